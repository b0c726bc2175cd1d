"""The decoded-audio cache: every song decoded once, mono, at the tower's rate, as int16 in one
memory-mapped file with an offset index, keyed by the content hash of its encoded bytes (so a
rebuilt dataset reuses it, and two copies of one file are decoded once).

Layout: an ArrayStore in `ROOT/audio/<rate>hz/` (`rows.bin` of int16 samples, `index.jsonl` of
hash, first sample, length), safe against a killed run. Training reads random
crops straight from the memory map (about 60 us per 10 s crop): decoding compressed audio each step
could not keep up with a GPU.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossmusim.model.audio.frontend import decode
from crossmusim.training.array_store import ArrayStore

INT16_SCALE = 32767.0


def default_cache_dir() -> Path:
    """The cache root: `$CROSSMUSIM_CACHE`, else `~/.cache/crossmusim` (XDG). It holds `audio/`
    (decoded songs), `features/` (frozen-tower outputs) and `embeddings/` (whole-track vectors)."""
    root = os.environ.get("CROSSMUSIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "crossmusim"
    )
    return Path(root)


@dataclass
class CacheReport:
    decoded: int = 0
    reused: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)  # song id, reason

    def as_dict(self) -> dict:
        return {"decoded": self.decoded, "reused": self.reused, "skipped": self.skipped}


class AudioCache:
    """Decoded songs in an ArrayStore of int16 samples (`ROOT/audio/<rate>hz/`)."""

    def __init__(self, root: Path, sample_rate: int):
        self.sample_rate = sample_rate
        self.store = ArrayStore(Path(root) / "audio" / f"{sample_rate}hz", "<i2", 1)

    def add(self, data: bytes) -> str:
        """Decode `data` unless its hash is cached; returns the hash. Raises on undecodable audio."""
        key = hashlib.sha256(data).hexdigest()
        if key not in self.store:
            samples = np.clip(np.round(decode(data, self.sample_rate) * INT16_SCALE), -32768, 32767)
            if len(samples) == 0:
                raise ValueError("no samples")
            self.store.add(key, samples)
        return key

    def __contains__(self, key: str) -> bool:
        return key in self.store

    def length(self, key: str) -> int:
        return self.store.rows(key)

    def read(self, key: str, start: int = 0, length: int | None = None) -> np.ndarray:
        return self.store.get(key, start, length)[:, 0].astype(np.float32) / INT16_SCALE

    def crop(self, key: str, length: int, rng) -> np.ndarray:
        """A random `length`-sample crop (`rng.randrange` picks the start); a shorter song is zero-padded."""
        total = self.length(key)
        start = rng.randrange(total - length + 1) if total > length else 0
        wave = self.read(key, start, length)
        return np.pad(wave, (0, length - len(wave))) if len(wave) < length else wave
