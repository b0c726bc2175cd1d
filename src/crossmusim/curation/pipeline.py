"""`crossmusim build-dataset`: every text source -> cleaned, masked, deduplicated text-audio pairs
in a Hugging Face dataset with artist-disjoint splits, a card, and statistics of what was dropped."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmusim.curation import hub
from crossmusim.curation.audio import AudioIndex, load_audio
from crossmusim.curation.base import CurationStats, DropSink, ForRecords
from crossmusim.curation.build_checks import check_tags, nothing_paired
from crossmusim.curation.build_config import BuildConfig
from crossmusim.curation.build_report import write_build_report
from crossmusim.curation.build_tags import read_build_tags
from crossmusim.curation.dedup import ExactDedup
from crossmusim.curation.filters import (
    filter_scope,
)
from crossmusim.curation.masking import MaskNames
from crossmusim.curation.near_dedup import NearDedup
from crossmusim.curation.pairing import pair_with_audio
from crossmusim.curation.pairs import PAIRS_INPUTS, PairsFile, read_pairs_inputs
from crossmusim.curation.readers import read_inputs, record_from_json
from crossmusim.curation.spill import Spool, WorkDir
from crossmusim.curation.split_rows import split_rows
from crossmusim.curation.steps import per_record_steps
from crossmusim.curation.tags import TagIndex
from crossmusim.errors import UserError
from crossmusim.hub import check_token
from crossmusim.io import JsonlAppender
from crossmusim.outputs import check_output_folder
from crossmusim.records import TextRecord

logger = logging.getLogger("crossmusim.build")


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


def build_dataset(config: BuildConfig) -> dict[str, Any]:
    from crossmusim.curation import hf_dataset  # datasets takes 0.6 s to import: only when building

    if not (config.crawl or config.generated or config.aspects or config.open):
        raise UserError("no text source: give --crawl, --generated, --aspects or --open NAME=FILE")
    check_output_folder(config.out, "build-dataset")
    if config.audio is None and not any(spec.partition("=")[0] in PAIRS_INPUTS for spec in config.open):
        raise UserError("no audio: give --audio MANIFEST (path,title,artist,id) or --audio FOLDER")
    if config.dedup not in ("near", "exact", "off"):
        raise UserError(f"--dedup {config.dedup!r}: choose near, exact or off")
    if config.engine not in ("local", "ray"):
        raise UserError(f"--engine {config.engine!r}: choose local or ray")
    if config.ray_address and config.engine != "ray":
        raise UserError("--ray-address needs --engine ray")
    pairs = read_pairs_inputs(config.open)
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
    tags = read_build_tags(config.tags, problems=tag_problems, strict=config.strict) if config.tags else TagIndex()
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

    stats = CurationStats()
    masker = MaskNames()
    with JsonlAppender(staging / "dropped.jsonl") as dropped_file:
        sink = DropSink(dropped_file)
        records: Spool[TextRecord] = work.spool("records.jsonl", record_from_json)
        near_scope = filter_scope("dedup", config.filters)  # None: --filters leaves dedup out
        near = NearDedup(work, config.near_threshold) if config.dedup == "near" and near_scope else None
        stream: Iterator[TextRecord] = read_inputs(config, inputs.pairs, stats, sink, work.path)
        for step in _record_steps(config, masker, work):
            stream = step.apply(stream, stats, sink)
        for record in stream:
            ordinal = records.append(record)
            if near is not None and near_scope(record):
                near.add(ordinal, record)
        del stream  # the steps' state (exact dedup's hashes) is not needed from here on
        duplicates = near.duplicates(records, stats, sink) if near is not None else set()

    paired = pair_with_audio(records, duplicates, inputs.audio, inputs.tags, stats, work)
    if not len(paired.rows):
        raise UserError(nothing_paired(paired.texts, paired.unusable, paired.unmatched))
    unknown = inputs.tags.unknown(paired.song_ids, paired.song_keys)
    check_tags(config.tags, inputs.tags, unknown, inputs.tag_problems)
    splits, counts, artists, conflicts = split_rows(paired, config.seed, config.split_shares, config.splits_from, work)
    hf_dataset.write_dataset(
        splits, staging, parquet=config.parquet or bool(config.push_to_hub), embed=config.embed_audio
    )
    return write_build_report(
        staging, config, stats, masker, paired, inputs.audio, inputs.tags, inputs.tag_problems, splits, counts,
        artists, conflicts, sink.first,
    )  # fmt: skip
