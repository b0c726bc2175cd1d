"""Writing the Hugging Face dataset: Arrow tables built directly (audio as `Audio(decode=False)`,
since datasets' audio encoding needs torchcodec, which does not run with the CPU torch; decode with
soundfile), a content-derived fingerprint so that the same inputs give byte-identical files, a
dataset card, and an atomic swap into place."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.table import MemoryMappedTable

from crossmusim.progress import progress

datasets.disable_progress_bars()  # crossmusim reports its own summary; bars would flood logs
# Two configs, as on the Hub: `pairs` (one row per text, naming its song) and `songs` (one row per
# song with its audio, duration and tags). A song with five texts stores its audio once.
PAIR_FEATURES = datasets.Features(
    {
        "song_id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "artist": datasets.Value("string"),
        "album": datasets.Value("string"),
        "text_type": datasets.Value("string"),
        "text": datasets.Value("string"),
        "sentences": datasets.Sequence(datasets.Value("string")),
        "aspects": datasets.Sequence(datasets.Value("string")),
        "language": datasets.Value("string"),
        "source": datasets.Value("string"),
        "source_id": datasets.Value("string"),
        "masked": datasets.Value("bool"),
    }
)
SONG_FEATURES = datasets.Features(
    {
        "song_id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "artist": datasets.Value("string"),
        "album": datasets.Value("string"),
        "audio": datasets.Audio(decode=False),
        "duration_s": datasets.Value("float32"),
        "tags_coarse": datasets.Sequence(datasets.Value("string")),
        "tags_fine": datasets.Sequence(datasets.Value("string")),
    }
)
# With --link-audio the audio column holds paths: datasets' save_to_disk would embed the bytes of an
# Audio column whatever its rows say, and its documentation asks for Value("string") for paths.
LINKED_SONG_FEATURES = datasets.Features({**SONG_FEATURES, "audio": datasets.Value("string")})
CONFIGS = ("pairs", "songs")


def features_of(config: str, embed: bool) -> datasets.Features:
    if config == "pairs":
        return PAIR_FEATURES
    return SONG_FEATURES if embed else LINKED_SONG_FEATURES


def _audio_value(path: str | Path, embed: bool) -> dict[str, Any] | str:
    path = Path(path)
    return {"bytes": path.read_bytes(), "path": path.name} if embed else str(path.resolve())


def write_split_arrow(
    rows: Iterable[dict[str, Any]], target: Path, features: datasets.Features, *, embed: bool, batch_rows: int = 256
) -> str:
    """Stream rows to an Arrow file, reading audio a batch at a time; returns a content digest.

    Song rows carry an audio *path*; only one batch of audio bytes is in memory at once, however
    large the dataset.
    """
    digest = hashlib.sha256()
    rows = iter(rows)
    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_stream(sink, features.arrow_schema) as writer:
        batches = iter(lambda: list(islice(rows, batch_rows)), [])
        for batch in progress(batches, f"writing {target.parent.name} ({batch_rows} rows a batch)", unit="batch"):
            if "audio" in features:
                batch = [{**row, "audio": _audio_value(row["audio"], embed)} for row in batch]
            table = pa.Table.from_pylist(batch, schema=features.arrow_schema)
            for record_batch in table.to_batches():
                for column in record_batch.columns:
                    for buffer in column.buffers():
                        if buffer is not None:
                            digest.update(buffer)
                writer.write_batch(record_batch)
    return digest.hexdigest()[:16]


def rows_to_dataset(rows: list[dict[str, Any]], features: datasets.Features) -> datasets.Dataset:
    """An in-memory Dataset built from rows through Arrow (datasets' own Audio encoding needs torchcodec)."""
    return datasets.Dataset(
        pa.Table.from_pylist(rows, schema=features.arrow_schema), info=datasets.DatasetInfo(features=features)
    )


def to_dataset(arrow_file: Path, split: str, fingerprint: str, features: datasets.Features) -> datasets.Dataset:
    """A memory-mapped split whose fingerprint comes from its content (datasets would draw a random one)."""
    table = MemoryMappedTable.from_file(str(arrow_file))
    return datasets.Dataset(table, info=datasets.DatasetInfo(features=features), split=split, fingerprint=fingerprint)


class RowCounts:
    """Rows, songs and artists per split, rows per source and per (split, text type, language),
    counted as the rows are routed to their splits (no second pass over them)."""

    def __init__(self, splits: Iterable[str]) -> None:
        self.rows: dict[str, int] = dict.fromkeys(splits, 0)
        self.songs: dict[str, set[str]] = {split: set() for split in self.rows}
        self.artists: dict[str, set[str]] = {split: set() for split in self.rows}
        self.by_source: Counter[str] = Counter()
        self.by_type_language: Counter[tuple[str, str, str]] = Counter()
        self.languages: set[str] = set()
        self.without: dict[str, set[str]] = {"artist": set(), "title": set()}  # songs with an empty field

    def add(self, split: str, row: dict[str, Any]) -> None:
        self.rows[split] += 1
        self.songs[split].add(row["song_id"])
        self.artists[split].add(row["artist"] or row["song_id"])
        self.by_source[row["source"]] += 1
        self.by_type_language[(split, row["text_type"], row["language"])] += 1
        self.languages.add(row["language"])
        for name, songs in self.without.items():
            if not row[name]:
                songs.add(row["song_id"])

    def as_dict(self) -> dict[str, Any]:
        per_split = {
            split: {"rows": n, "songs": len(self.songs[split]), "artists": len(self.artists[split])}
            for split, n in self.rows.items()
        }
        return {
            "splits": per_split,
            "by_source": dict(self.by_source),
            "by_type_language": self.by_type_language,
            "languages": self.languages,
            "songs_without": {name: len(songs) for name, songs in self.without.items()},
        }


def pair_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A split's text rows as `pairs` rows."""
    keys = list(PAIR_FEATURES)
    for row in rows:
        yield {k: row[k] for k in keys}


def song_rows(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A split's text rows as `songs` rows: each song once, in the order first seen."""
    keys, seen = list(SONG_FEATURES), set()
    for row in rows:
        if row["song_id"] not in seen:
            seen.add(row["song_id"])
            yield {k: row[k] for k in keys}


def write_dataset(splits: Mapping[str, Iterable[dict[str, Any]]], staging: Path, *, parquet: bool, embed: bool) -> None:
    """`staging/pairs` and `staging/songs`, each a DatasetDict (and `parquet/CONFIG/SPLIT.parquet`).

    Each split is any re-iterable sized collection of rows (a list, or a work file read back): it is
    read once per config and streamed to Arrow a batch at a time.
    """
    work = staging / ".arrow-work"
    work.mkdir()
    for config, project in (("pairs", pair_rows), ("songs", song_rows)):
        features = features_of(config, embed)
        parts = {}
        for name, rows in splits.items():
            if len(rows):  # an empty split is left out: datasets saves it without data files and cannot load it back
                arrow_file = work / f"{config}-{name}.arrow"
                digest = write_split_arrow(project(rows), arrow_file, features, embed=embed)
                parts[name] = to_dataset(arrow_file, name, digest, features)
        dataset = datasets.DatasetDict(parts)
        dataset.save_to_disk(str(staging / config))
        if parquet:
            (staging / "parquet" / config).mkdir(parents=True)
            for name, split in dataset.items():  # pyarrow directly: deterministic, one file per split
                pq.write_table(split.data.table, staging / "parquet" / config / f"{name}.parquet")
        del dataset, parts
    shutil.rmtree(work)


def swap_into_place(staging: Path, out: Path) -> None:
    """Replace `out` by the finished `staging` folder; a crash before this leaves `out` untouched."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    if old.exists():
        shutil.rmtree(old)
