"""The interface every system that turns audio into one vector per track implements (`Embedder`); the
systems themselves and their registry are in `evaluation.baselines`, handcrafted ones in `evaluation.dsp`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crossmusim.training.audio_cache import AudioCache


class Embedder:
    name: str
    sample_rate: int
    window_seconds: float = 10.0
    # z-score each dimension before L2 (features of mixed scales): over the training split, else the pool
    standardise: bool = False
    # where its tower weight came from: `validation` (chosen there), `configured`, `run` (the trained model's)
    tower_weight_from: str | None = None

    @property
    def cache_name(self) -> str:
        """The name its raw vectors are cached under (systems that differ after caching share it)."""
        return self.name

    def settings(self) -> dict:
        """Everything besides the window that changes its raw vectors (part of the cache key)."""
        return {}

    def embed_track(self, wave: np.ndarray, track_id: str) -> np.ndarray:
        raise NotImplementedError

    def embed_cached(self, cache: AudioCache, key: str, track_id: str, features: Path) -> np.ndarray:
        """A track of the audio cache. Frozen towers keep their per-window outputs under `features`
        (`TowerWindows`), shared by every system built on the same tower."""
        return self.embed_track(cache.read(key), track_id)

    def to(self, device: str) -> Embedder:
        """Run on `device` (cpu, cuda, cuda:N); the numpy embedders stay on the CPU."""
        return self

    def embed_texts(self, texts: list[str]) -> np.ndarray | None:
        return None  # only a trained model has a text side

    def share_frozen_outputs(self, memory) -> None:
        """Use `memory` (a `FrozenOutputs`) for a frozen tower's outputs, shared with other models."""

    @property
    def tower_weight(self) -> float | None:
        """The share of tower features in its song vectors (`[model.head] tower_weight`); None: no such thing."""
        return None
