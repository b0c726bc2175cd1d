"""Clips for the embedding benchmarks: noisy tones named `Artist K - Clip NNNN.wav` (an audio folder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def write_clips(folder: Path, clips: int, seconds: float, rate: int = 16000, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    for i in range(clips):
        wave = 0.1 * np.sin(2 * np.pi * rng.uniform(80, 900) * t) + 0.02 * rng.standard_normal(len(t))
        sf.write(folder / f"Artist {i % 20} - Clip {i:04d}.wav", wave.astype(np.float32), rate)
    return folder
