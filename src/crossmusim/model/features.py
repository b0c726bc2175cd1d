"""Frozen-tower outputs, computed once per song window and per text, cached on disk.

With both towers frozen only the heads train, so the towers run once: each song's crop-length
windows (up to `MAX_WINDOWS`, evenly spaced) through the audio tower, each distinct training text
through the text tower. A step then draws one cached window per song (the frozen counterpart of a
random crop), and an epoch costs milliseconds of tower time. The stores are keyed by the tower
and crop (`<tower id>/`), so another configuration never reads stale features.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from crossmusim.model.array_store import ArrayStore
from crossmusim.model.audio_cache import AudioCache, windows
from crossmusim.model.dual_encoder import DualEncoder

MAX_WINDOWS = 12


def tower_id(kind: str, config: dict, extra: str = "") -> str:
    blob = json.dumps(config, sort_keys=True) + extra
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def spaced_windows(cache: AudioCache, key: str, length: int, limit: int = MAX_WINDOWS) -> np.ndarray:
    """Up to `limit` evenly spaced crop-length windows of a cached song, (n, length)."""
    all_windows = windows(cache.read(key), length)
    if len(all_windows) > limit:
        all_windows = all_windows[np.linspace(0, len(all_windows) - 1, limit).round().astype(int)]
    return all_windows


class FrozenFeatures:
    def __init__(self, model: DualEncoder, cache: AudioCache, folder: Path, batch_size: int = 16):
        self.model, self.cache, self.batch_size = model, cache, batch_size
        audio_cfg = model.config.model.audio.__dict__
        text_cfg = model.config.model.text.__dict__
        crop = str(model.crop_samples)
        self.audio_store = ArrayStore(Path(folder) / tower_id("audio", audio_cfg, crop), "<f4", model.audio_tower.dim)
        self.text_store = ArrayStore(Path(folder) / tower_id("text", text_cfg), "<f4", model.text_tower.dim)

    @torch.no_grad()
    def audio(self, audio_key: str) -> np.ndarray:
        """(windows, dim) tower features of one song."""
        if audio_key not in self.audio_store:
            chunks = torch.from_numpy(spaced_windows(self.cache, audio_key, self.model.crop_samples))
            parts = [
                self.model.audio_tower(chunks[i : i + self.batch_size]) for i in range(0, len(chunks), self.batch_size)
            ]
            self.audio_store.add(audio_key, torch.cat(parts).float().numpy())
        return np.asarray(self.audio_store.get(audio_key))

    @torch.no_grad()
    def texts(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) tower features, computing only the texts not seen before."""
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.text_store))
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            todo = [by_key[k] for k in missing]
            vectors = (
                torch.cat([self.model.text_tower(todo[i : i + 256]) for i in range(0, len(todo), 256)]).float().numpy()
            )
            for key, vector in zip(missing, vectors, strict=True):
                self.text_store.add(key, vector)
        return np.stack([self.text_store.get(k)[0] for k in keys])
