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
        # In-memory copies of what this run touched: a step's lookups are dictionary hits.
        self._audio: dict[str, np.ndarray] = {}
        self._text: dict[str, np.ndarray] = {}

    def audio(self, audio_key: str) -> np.ndarray:
        """(windows, dim) tower features of one song."""
        found = self._audio.get(audio_key)
        if found is None:
            if audio_key not in self.audio_store:
                self.audio_store.add(audio_key, self._run_audio_tower(audio_key))
            found = self._audio[audio_key] = np.array(self.audio_store.get(audio_key))
        return found

    @torch.no_grad()
    def _run_audio_tower(self, audio_key: str) -> np.ndarray:
        device = next(self.model.audio_tower.parameters()).device
        chunks = torch.from_numpy(spaced_windows(self.cache, audio_key, self.model.crop_samples)).to(device)
        step = self.batch_size
        parts = [self.model.audio_tower(chunks[i : i + step]) for i in range(0, len(chunks), step)]
        return torch.cat(parts).float().cpu().numpy()

    def texts(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) tower features, computing only the texts not seen before."""
        unknown = [t for t in dict.fromkeys(texts) if t not in self._text]
        if unknown:
            keys = {t: hashlib.sha1(t.encode("utf-8")).hexdigest() for t in unknown}
            todo = [t for t in unknown if keys[t] not in self.text_store]
            if todo:
                vectors = self._run_text_tower(todo)
                self.text_store.add_many([(keys[t], v) for t, v in zip(todo, vectors, strict=True)])
            for text in unknown:
                self._text[text] = np.array(self.text_store.get(keys[text])[0])
        return np.stack([self._text[t] for t in texts])

    @torch.no_grad()
    def _run_text_tower(self, texts: list[str]) -> np.ndarray:
        parts = [self.model.text_tower(texts[i : i + 256]) for i in range(0, len(texts), 256)]
        return torch.cat(parts).float().cpu().numpy()
