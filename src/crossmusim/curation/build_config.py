"""`BuildConfig`: everything one `build_dataset` call is given (the CLI's options, or an experiment's
[dataset] table); apart from the pipeline so that its blocks can name it without importing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
