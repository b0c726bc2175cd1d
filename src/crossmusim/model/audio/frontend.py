"""The audio front end every encoder needs at inference: decoding, resampling to the tower's rate, and
cutting a track into whole-track windows (training's caches and evaluation both use it)."""

from __future__ import annotations

import io

import numpy as np

from crossmusim.extras import require


def resample(wave: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    if source_rate == target_rate:
        return wave.astype(np.float32, copy=False)
    soxr = require("soxr", "train")
    return soxr.resample(wave, source_rate, target_rate, quality="HQ").astype(np.float32)


def decode(data: bytes, target_rate: int) -> np.ndarray:
    """Encoded audio bytes -> mono float32 at `target_rate` (soundfile, then soxr)."""
    import soundfile as sf

    wave, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return resample(wave.mean(axis=1), rate, target_rate)


def audio_input(item, sample_rate: int | None, target_rate: int) -> np.ndarray:
    """What a library caller hands `embed_audio` as mono float32 at `target_rate`: a file path (str or
    Path), an `(array, rate)` pair, or an array at `sample_rate` (None: already at `target_rate`)."""
    from pathlib import Path

    from crossmusim.errors import UserError

    if isinstance(item, str | Path):
        path = Path(item)
        if not path.is_file():
            raise UserError(f"embed_audio: {path}: no such audio file")
        try:
            return decode(path.read_bytes(), target_rate)
        except Exception as exc:  # soundfile's own error names the format problem
            raise UserError(f"embed_audio: {path}: not audio soundfile can read ({exc})") from None
    if isinstance(item, tuple) and len(item) == 2 and np.isscalar(item[1]):
        item, sample_rate = item
    wave = np.asarray(item, dtype=np.float32)
    if wave.ndim == 2:  # (samples, channels) or (channels, samples): mixed to mono
        wave = wave.mean(axis=1 if wave.shape[0] > wave.shape[1] else 0)
    if wave.ndim != 1:
        raise UserError(f"embed_audio: an array of shape {wave.shape}: give a mono waveform, a file path or "
                        "(array, sample_rate)")  # fmt: skip
    return resample(wave, sample_rate, target_rate) if sample_rate and sample_rate != target_rate else wave


# Bumped whenever `windows` changes, so that caches of vectors made from windows are never reused stale.
WINDOWS_VERSION = 2  # 1: the tail zero-padded (kept when at least half a window); 2: the end-aligned last window


def windows(wave: np.ndarray, length: int) -> np.ndarray:
    """Whole-track windows of `length` samples: consecutive from the start, and when a tail is left
    over, one more window made of the track's final `length` samples (it overlaps the one before: no
    silence is padded in, and the end of the track is heard). A track no longer than one window is
    zero-padded to one window. Deterministic: the same file always gives the same windows."""
    wave = np.asarray(wave, dtype=np.float32)
    if len(wave) <= length:
        return np.pad(wave, (0, length - len(wave)))[None]
    starts = list(range(0, len(wave) - length + 1, length))
    if starts[-1] + length < len(wave):
        starts.append(len(wave) - length)
    return np.stack([wave[s : s + length] for s in starts])
