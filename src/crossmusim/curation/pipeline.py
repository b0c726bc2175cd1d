"""`crossmusim build-dataset`: every text source -> cleaned, masked, deduplicated text-audio pairs
in a Hugging Face dataset with artist-disjoint splits, a card, and statistics of what was dropped."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.curation import hub
from crossmusim.curation.audio import AudioIndex, load_audio
from crossmusim.curation.base import CurationStats, DropSink, ForRecords
from crossmusim.curation.build_checks import check_tags, nothing_paired
from crossmusim.curation.dedup import ExactDedup, SharedTexts
from crossmusim.curation.filters import (
    filter_scope,
)
from crossmusim.curation.masking import MaskNames
from crossmusim.curation.near_dedup import NearDedup
from crossmusim.curation.pairs import SOURCE as PAIRS
from crossmusim.curation.pairs import PairsFile
from crossmusim.curation.songkey import song_key
from crossmusim.curation.sources import (
    OPEN_READERS,
    read_aspects,
    read_crawl,
    read_generated,
    song_infos,
)
from crossmusim.curation.spill import Spool, WorkDir, external_sort
from crossmusim.curation.splits import SPLITS, ArtistGroups, assign_splits, reference_splits
from crossmusim.curation.steps import per_record_steps
from crossmusim.curation.tags import TagIndex, load_tags
from crossmusim.errors import InputFormatError, UserError
from crossmusim.hub import check_token
from crossmusim.io import JsonlAppender, atomic_write_json, atomic_write_text
from crossmusim.outputs import check_output_folder
from crossmusim.records import TextRecord

logger = logging.getLogger("crossmusim.build")
MIN_ARTISTS_PER_SPLIT = 5  # below this a split's retrieval metrics are noise
GROUP = "_group"  # a paired row's artist key, while it waits for its split


@dataclass
class BuildConfig:
    out: Path
    crawl: list[Path] = field(default_factory=list)
    generated: list[Path] = field(default_factory=list)
    aspects: list[Path] = field(default_factory=list)
    open: list[str] = field(default_factory=list)  # name=path (pairs=FILE: a user's own pairs)
    filters: tuple[str, ...] | None = None  # None: web text filtered, pairs not; else these for all
    audio: Path | None = None
    tags: Path | None = None
    mask: bool = True
    dedup: str = "near"  # near | exact | off
    near_threshold: float = 0.8
    seed: int = 0
    split_shares: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, validation, test
    strict: bool = False
    keep_contradicted: bool = False  # keep LLM descriptions whose fact check contradicted our metadata
    embed_audio: bool | None = None  # None: copy crawled/open audio, link a pairs build's
    parquet: bool = False
    push_to_hub: str | None = None
    splits_from: Path | None = None  # an earlier output whose artists keep their split (ablations)
    chunk_records: int = 50_000  # records sorted in memory at once; the rest waits on disk
    engine: str = "local"  # local | ray (the per-record steps as Ray Data batch transforms)
    ray_address: str | None = None  # None: a local Ray instance
    command: str = "crossmusim build-dataset"


def _read_all(
    config: BuildConfig, pairs: list[PairsFile], stats: CurationStats, sink: DropSink, work: Path
) -> Iterator[TextRecord]:
    """Every input's records, streamed: within each input in a content order, inputs in theirs."""
    readers = [(p, read_crawl) for p in config.crawl] + [(p, read_generated) for p in config.generated]
    readers += [(f.path, lambda path, f=f: iter(f.records)) for f in pairs]
    for spec in config.open:
        name, sep, value = spec.partition("=")
        if name == PAIRS and sep:
            continue
        if not sep or name not in OPEN_READERS:
            raise UserError(f"--open {spec!r}: expected NAME=FILE with NAME one of pairs, {', '.join(OPEN_READERS)}")
        readers.append((Path(value), OPEN_READERS[name]))
    infos = song_infos(config.crawl, config.generated) if config.aspects else {}
    readers += [(p, lambda path, infos=infos: read_aspects(path, infos)) for p in config.aspects]
    for path, _ in readers:
        if not path.exists():
            raise UserError(f"{path}: input not found")
    for path, reader in readers:
        # A file's own order (a concurrent crawl's arrival order) must not change the dataset: within
        # each input, texts go in a content order; inputs keep theirs (earlier inputs win duplicates).
        records = _well_formed(path, reader(path), config.strict, stats, sink)
        yield from external_sort(
            records, _content_order, chunk=config.chunk_records, workdir=work, decode=_record_from_json
        )


def _well_formed(
    path: Path, items: Iterable[TextRecord | InputFormatError], strict: bool, stats: CurationStats, sink: DropSink
) -> Iterator[TextRecord]:
    for item in items:
        if isinstance(item, InputFormatError):
            if strict:
                raise item
            stats.count("read", str(path), "dropped_malformed")
            sink.drop("read", "malformed", {"error": str(item)})
            continue
        stats.count("read", item.source, "kept")
        yield item


def _record_steps(config: BuildConfig, masker: MaskNames, work: WorkDir) -> list[Any]:
    """Every streaming step: the per-record ones (here or on Ray), then exact dedup (one hash per text)."""
    if config.engine == "ray":
        from crossmusim.curation.ray_engine import RayRecordSteps

        ray_steps = RayRecordSteps(
            address=config.ray_address,
            keep_contradicted=config.keep_contradicted,
            mask=config.mask,
            filters=config.filters,
            masker=masker,
            chunk=config.chunk_records,
        )
        work.on_close(ray_steps.close)
        steps: list[Any] = [ray_steps]
    else:
        steps = per_record_steps(config.keep_contradicted, config.mask, masker, config.filters)
    scope = filter_scope("dedup", config.filters)
    if config.dedup != "off" and scope is not None:
        steps.append(ForRecords(ExactDedup(), scope))
    return steps


def _record_from_json(data: dict[str, Any]) -> TextRecord:
    return TextRecord(**data)


def _content_order(record: TextRecord) -> tuple[str, ...]:
    return (record.source_id, record.title, record.artist, record.text_type, record.text, "; ".join(record.aspects))


def _song_id(record: TextRecord) -> tuple[str, str | None]:
    """A song's id and key: by title and artist; a pairs row's by its audio file (its source id)."""
    if record.source == PAIRS:
        return "s" + hashlib.sha1(f"{PAIRS}:{record.source_id}".encode()).hexdigest()[:12], None
    key = song_key(record.title, record.artist) if record.title and record.artist else None
    if key:
        return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], key
    return f"{record.source}:{record.source_id}", None


def _row(record: TextRecord, song_id: str, audio, tags: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "song_id": song_id,
        "title": record.title,
        "artist": record.artist,
        "album": record.album,
        "text_type": record.text_type,
        "text": record.text if record.text_type != "aspects" else "; ".join(record.aspects),
        "sentences": record.sentences,
        "aspects": record.aspects,
        "language": record.language,
        "source": record.source,
        "source_id": record.source_id,
        "masked": record.masked,
        "audio": str(audio.path),  # read (or linked) a batch at a time when the split is written
        "duration_s": audio.duration_s,
        "tags_coarse": tags["coarse"],
        "tags_fine": tags["fine"],
    }


def build_dataset(config: BuildConfig) -> dict[str, Any]:
    from crossmusim.curation import hf_dataset  # datasets takes 0.6 s to import: only when building

    if not (config.crawl or config.generated or config.aspects or config.open):
        raise UserError("no text source: give --crawl, --generated, --aspects or --open NAME=FILE")
    check_output_folder(config.out, "build-dataset")
    if config.audio is None and not any(spec.startswith(PAIRS + "=") for spec in config.open):
        raise UserError("no audio: give --audio MANIFEST (path,title,artist,id) or --audio FOLDER")
    if config.dedup not in ("near", "exact", "off"):
        raise UserError(f"--dedup {config.dedup!r}: choose near, exact or off")
    if config.engine not in ("local", "ray"):
        raise UserError(f"--engine {config.engine!r}: choose local or ray")
    if config.ray_address and config.engine != "ray":
        raise UserError("--ray-address needs --engine ray")
    pairs = [PairsFile.read(Path(spec.partition("=")[2])) for spec in config.open if spec.startswith(PAIRS + "=")]
    for pairs_file in pairs:
        pairs_file.check_audio()
    if config.embed_audio is None:  # users' own recordings are often not theirs to redistribute
        config.embed_audio = not pairs
    if config.push_to_hub:
        if not config.embed_audio:
            raise UserError("--push-to-hub with --link-audio would publish paths on this machine: drop --link-audio")
        check_token("--push-to-hub")  # before the build, not after it
    audio = load_audio(config.audio, strict=config.strict, extra=[ref for f in pairs for ref in f.audio])
    tag_problems: list[str] = []
    tags = load_tags(config.tags, problems=tag_problems, strict=config.strict) if config.tags else TagIndex()
    config.out.parent.mkdir(parents=True, exist_ok=True)
    staging = config.out.with_name(f".{config.out.name}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        summary = _build(config, BuildInputs(pairs, audio, tags, tag_problems), staging)
        hf_dataset.swap_into_place(staging, config.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if config.push_to_hub:
        summary["pushed"] = hub.push_dataset_folder(config.out, config.push_to_hub)
    return summary


@dataclass
class BuildInputs:
    """What a build reads besides its text sources: pairs files, the audio index, the tags."""

    pairs: list[PairsFile]
    audio: AudioIndex
    tags: TagIndex
    tag_problems: list[str]


def _build(config: BuildConfig, inputs: BuildInputs, staging: Path) -> dict[str, Any]:
    """The build in stages that stream through work files, so memory does not grow with the records:
    read and per-record steps -> records on disk (+ MinHash signatures) -> near duplicates -> pairs
    with audio on disk -> artist-disjoint splits on disk -> Arrow, a batch at a time."""
    with WorkDir(staging / ".work") as work:
        summary = _build_in(work, config, inputs, staging)
    shutil.rmtree(work.path)
    return summary


def _build_in(work: WorkDir, config: BuildConfig, inputs: BuildInputs, staging: Path) -> dict[str, Any]:
    from crossmusim.curation import hf_dataset

    audio, tags, tag_problems = inputs.audio, inputs.tags, inputs.tag_problems

    stats = CurationStats()
    masker = MaskNames()
    with JsonlAppender(staging / "dropped.jsonl") as dropped_file:
        sink = DropSink(dropped_file)
        records: Spool[TextRecord] = work.spool("records.jsonl", _record_from_json)
        near_scope = filter_scope("dedup", config.filters)  # None: --filters leaves dedup out
        near = NearDedup(work, config.near_threshold) if config.dedup == "near" and near_scope else None
        stream: Iterator[TextRecord] = _read_all(config, inputs.pairs, stats, sink, work.path)
        for step in _record_steps(config, masker, work):
            stream = step.apply(stream, stats, sink)
        for record in stream:
            ordinal = records.append(record)
            if near is not None and near_scope(record):
                near.add(ordinal, record)
        del stream  # the steps' state (exact dedup's hashes) is not needed from here on
        duplicates = near.duplicates(records, stats, sink) if near is not None else set()

    rows: Spool[dict[str, Any]] = work.spool("rows.jsonl")
    groups = ArtistGroups()
    unmatched, unusable = [], []
    used_audio: set[Path] = set()
    shared, song_ids, song_keys = SharedTexts(), set(), set()
    texts = 0
    for ordinal, record in enumerate(records):
        if ordinal in duplicates:
            continue
        texts += 1
        song_id, key = _song_id(record)
        ref = audio.find(record.source_id, key)
        problem = audio.problem_of(record.source_id, key) if ref is None else None
        if problem is not None:  # a file was there, but it cannot be used
            stats.count("audio", record.source, "dropped_audio_unusable")
            unusable.append({"song_id": song_id, "title": record.title, "origin": record.origin, **problem})
            continue
        if ref is None:
            stats.count("audio", record.source, "dropped_no_audio")
            unmatched.append(
                {
                    "song_id": song_id,
                    "title": record.title,
                    "artist": record.artist,
                    "source": record.source,
                    "origin": record.origin,
                }
            )
            continue
        stats.count("audio", record.source, "kept")
        used_audio.add(ref.path)
        shared.add(record, song_id)
        song_ids.add(record.source_id)
        song_keys.add(key or "")
        group = groups.add(record.artist, str(ref.path), song_id)
        rows.append({**_row(record, song_id, ref, tags.find(record.source_id, key)), GROUP: group})
    if not len(rows):
        raise UserError(nothing_paired(texts, unusable, unmatched))
    check_tags(config.tags, tags, tags.unknown(song_ids, song_keys), tag_problems)
    assignment = assign_splits(groups.sizes(), seed=config.seed, shares=config.split_shares)
    if config.splits_from is not None:  # the same artists in the same splits as an earlier build
        for key, split in reference_splits(config.splits_from).items():
            if key in groups.parent:
                assignment[groups.find(key)] = split
    splits: dict[str, Spool[dict[str, Any]]] = {name: work.spool(f"rows-{name}.jsonl") for name in SPLITS}
    counts = hf_dataset.RowCounts(SPLITS)
    for row in rows:
        split = assignment[groups.find(row.pop(GROUP))]
        splits[split].append(row)
        counts.add(split, row)
    artists = {name: sum(1 for s in assignment.values() if s == name) for name in splits}
    for name, count in artists.items():
        share = config.split_shares[list(splits).index(name)]
        if share > 0 and count < MIN_ARTISTS_PER_SPLIT:
            logger.warning(
                "the %s split holds %d artist%s (fewer than %d): its metrics will be noisy",
                name,
                count,
                "" if count == 1 else "s",
                MIN_ARTISTS_PER_SPLIT,
            )
    hf_dataset.write_dataset(
        splits, staging, parquet=config.parquet or bool(config.push_to_hub), embed=config.embed_audio
    )

    all_audio = {r.path for r in audio.by_id.values()} | {r.path for r in audio.by_key.values()}
    report = {
        "texts_without_audio": unmatched,
        "texts_with_unusable_audio": unusable,
        "audio_without_texts": sorted(str(p) for p in all_audio - used_audio),
        "audio_problems": audio.problems,
        "tag_problems": tag_problems,
    }
    summary = {
        "out": str(config.out),
        "command": config.command,
        "seed": config.seed,
        "dedup": config.dedup,
        "filters": "web text only" if config.filters is None else ",".join(config.filters) or "none",
        "mask": {
            "enabled": config.mask,
            "checked": masker.checked,
            "leaked": masker.leaked,
            "leak_share": round(masker.leak_share, 6),
        },
        "stats": stats.as_dict(),
        "rows": {name: len(split_rows) for name, split_rows in splits.items()},
        "split_shares": list(config.split_shares),
        "artists": artists,
        "audio": {"files": audio.total, "usable": len(all_audio), "problems": len(audio.problems)},
        "unmatched_texts": len(unmatched),
        "texts_with_unusable_audio": len(unusable),
        "tags_rows": tags.rows,
        "texts_shared_by_songs": shared.rows,
    }
    atomic_write_json(staging / "stats.json", summary)
    atomic_write_json(staging / "report.json", report)
    atomic_write_text(staging / "README.md", hf_dataset.dataset_card(summary, counts.as_dict()))
    return summary
