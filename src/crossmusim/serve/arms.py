"""The arms of an A/B test: each an index folder (`crossmusim index`) served under a name. A user goes to
an arm by a salted SHA-256 of their id, so one user always gets the same arm and the assignment can be
recomputed from the salt; requests without a user go to the first arm and are counted apart. An arm's
pool can be swapped for a newly written index while requests keep flowing (`Arm.reload`)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.errors import UserError


def parse_arms(index: Path | None, arms: list[str]) -> list[tuple[str, Path]]:
    """`--index INDEX` (one arm, named after nothing: `main`) or `--arm NAME=INDEX` two or more times."""
    if (index is None) == (not arms):
        raise UserError("give --index INDEX (one arm) or --arm NAME=INDEX at least twice (an A/B test)")
    if index is not None:
        return [("main", Path(index))]
    parsed = []
    for spec in arms:
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UserError(f"--arm {spec!r}: give NAME=INDEX_FOLDER")
        parsed.append((name.strip(), Path(path.strip())))
    names = [name for name, _ in parsed]
    if len(parsed) < 2 or len(set(names)) != len(names):
        raise UserError(f"--arm: an A/B test needs two or more arms with distinct names (got {', '.join(names)})")
    return parsed


def parse_split(text: str | None, arms: int) -> list[float]:
    """`--split 50,50` -> shares summing to 1, one per arm (an even split without it)."""
    if text is None:
        return [1 / arms] * arms
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != arms or any(p <= 0 for p in parts):
        raise UserError(f"--split {text!r}: give {arms} positive shares, one per arm, e.g. {','.join(['50'] * arms)}")
    total = sum(parts)
    return [p / total for p in parts]


def assign(user: str, names: list[str], split: list[float], salt: str) -> str:
    """The arm of `user`: the salted hash's first 8 bytes as a number in [0, 1), against the split."""
    point = int.from_bytes(hashlib.sha256(f"{salt}:{user}".encode()).digest()[:8], "big") / 2**64
    edge = 0.0
    for name, share in zip(names, split, strict=True):
        edge += share
        if point < edge:
            return name
    return names[-1]


@dataclass(frozen=True)
class Snapshot:
    """One loaded index: a request reads `arm.snapshot` once and uses only it, so a reload between two
    of its steps cannot mix two indexes."""

    pool: Any  # evaluation.retrieval.Pool
    position: dict[str, int]
    stamp: tuple[int, int]  # (inode, mtime) of info.json when loaded
    encoder: list = field(default_factory=list)  # the text encoder, loaded on the first text search


def _stamp(folder: Path) -> tuple[int, int]:
    info = (Path(folder) / "info.json").stat()
    return info.st_ino, info.st_mtime_ns


class Arm:
    def __init__(self, name: str, folder: Path) -> None:
        self.name, self.folder = name, Path(folder)
        self.lock = threading.Lock()
        self.snapshot = self._load()

    def _load(self) -> Snapshot:
        from crossmusim.evaluation.retrieval import load_pool

        try:  # before loading: an index replaced in between is caught on the next request
            stamp = _stamp(self.folder)
        except OSError:
            stamp = (0, 0)
        pool = load_pool(self.folder)  # a missing or foreign folder: its one-line error
        return Snapshot(pool, {item["id"]: n for n, item in enumerate(pool.items)}, stamp)

    def current(self) -> Snapshot:
        """The loaded index, reloaded first when `crossmusim index` has replaced the folder since (every
        worker process follows a new index on its next request)."""
        try:
            changed = _stamp(self.folder) != self.snapshot.stamp
        except OSError:  # mid-replacement: keep serving the loaded one
            changed = False
        return self.reload() if changed else self.snapshot

    def reload(self) -> Snapshot:
        with self.lock:
            if _stamp(self.folder) != self.snapshot.stamp:
                self.snapshot = self._load()  # one assignment: the old snapshot serves until this line
        return self.snapshot


def vectors(snapshot: Snapshot, ids: list[str]) -> np.ndarray:
    return np.stack([snapshot.pool.index.reconstruct(snapshot.position[i]) for i in ids])


def text_encoder(snapshot: Snapshot):
    """The model that made the arm's vectors, to embed a text query (`retrieval.query_model`)."""
    from crossmusim.evaluation.retrieval import query_model
    from crossmusim.evaluation.run_models import load_run_model

    if not snapshot.encoder:
        snapshot.encoder.append(load_run_model(query_model(snapshot.pool.info, None)))
    return snapshot.encoder[0]
