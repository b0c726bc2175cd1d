"""A study's stimuli: excerpts of one length, cut from one point of every song, loudness-normalised
(ITU-R BS.1770 integrated loudness, by pyloudnorm) to the same target, written once each as 16-bit WAV
under `STUDY/stimuli/` with an opaque name. A song whose normalised peak would clip is turned down until
it does not (its gain is kept in the study database, with the excerpt's start)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from crossmusim.extras import require

TARGET_LUFS = -23.0  # EBU R128's programme level
PEAK = 0.98  # linear ceiling after the gain: no clipping in the 16-bit file


def decode(source: bytes | Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    data, rate = sf.read(io.BytesIO(source) if isinstance(source, bytes) else str(source), dtype="float32",
                         always_2d=True)  # fmt: skip
    return data, rate


def excerpt(data: np.ndarray, rate: int, seconds: float, start: float) -> tuple[np.ndarray, float]:
    """`seconds` of audio from `start` (earlier when the song ends sooner; the whole song when it is shorter)."""
    length = int(round(seconds * rate))
    begin = max(0, min(int(round(start * rate)), len(data) - length))
    return data[begin : begin + length], begin / rate


def loudness_gain(data: np.ndarray, rate: int) -> float:
    """The gain in dB that brings `data` to `TARGET_LUFS` (BS.1770), lowered if the peak would pass `PEAK`."""
    pyloudnorm = require("pyloudnorm", "listen")
    meter = pyloudnorm.Meter(rate, block_size=min(0.4, len(data) / rate))  # a clip under 0.4 s: one block
    loudness = meter.integrated_loudness(data)
    gain = 0.0 if not np.isfinite(loudness) else TARGET_LUFS - loudness  # silence stays silence
    peak = float(np.abs(data).max()) if data.size else 0.0
    if peak > 0 and peak * 10 ** (gain / 20) > PEAK:
        gain = 20 * np.log10(PEAK / peak)
    return float(gain)


def write_stimulus(source: bytes | Path, out: Path, seconds: float, start: float) -> tuple[float, float]:
    """Cut, normalise and write one stimulus; returns (the excerpt's start in s, the gain in dB)."""
    import soundfile as sf

    data, rate = decode(source)
    cut, begin = excerpt(data, rate, seconds, start)
    gain = loudness_gain(cut, rate)
    sf.write(str(out), np.clip(cut * 10 ** (gain / 20), -1, 1), rate, subtype="PCM_16")
    return begin, gain
