"""Log-mel spectrograms computed inside the model (so on the GPU when there is one).

Two published front ends are reproduced: musicnn's (librosa's defaults: Slaney mel scale and
area normalisation, a centred STFT with zero padding, `log10(10000 * mel + 1)`) and the Music
Tagging Transformer's (torchaudio's defaults: HTK mel scale, no normalisation, reflect padding,
power in decibels). musicnn's float16 cast before the log is deliberately not copied: it overflows
to infinity (NaN tags) on loud audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def hz_to_mel(freq: np.ndarray, scale: str) -> np.ndarray:
    freq = np.asarray(freq, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + freq / 700.0)
    # Slaney: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    linear = freq / f_sp
    return np.where(freq >= min_log_hz, min_log_mel + np.log(np.maximum(freq, 1e-10) / min_log_hz) / logstep, linear)


def mel_to_hz(mels: np.ndarray, scale: str) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, f_min: float, f_max: float, scale: str, slaney_norm: bool
) -> np.ndarray:
    """Triangular filters, (n_mels, n_fft // 2 + 1), as librosa (slaney) or torchaudio (htk) build them."""
    fft_freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min, scale), hz_to_mel(f_max, scale), n_mels + 2), scale)
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    if slaney_norm:
        weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, None]
    return weights.astype(np.float32)


@dataclass(frozen=True)
class MelConfig:
    sample_rate: int = 16000
    n_fft: int = 512
    hop: int = 256
    n_mels: int = 96
    f_min: float = 0.0
    f_max: float | None = None
    scale: str = "slaney"  # or "htk"
    slaney_norm: bool = True
    pad_mode: str = "constant"  # librosa >= 0.10 pads with zeros; torchaudio reflects
    compression: str = "log10_10000"  # musicnn's; or "db" (10 log10 power, torchaudio's AmplitudeToDB)


MUSICNN_MEL = MelConfig()
MTT_MEL = MelConfig(
    sample_rate=22050,
    n_fft=1024,
    hop=512,
    n_mels=128,
    scale="htk",
    slaney_norm=False,
    pad_mode="reflect",
    compression="db",
)


class LogMel(nn.Module):
    """(batch, samples) float waveforms -> (batch, frames, n_mels) log-mel, frames = 1 + samples // hop."""

    def __init__(self, config: MelConfig):
        super().__init__()
        self.config = config
        f_max = config.f_max if config.f_max is not None else config.sample_rate / 2
        bank = mel_filterbank(
            config.sample_rate, config.n_fft, config.n_mels, config.f_min, f_max, config.scale, config.slaney_norm
        )
        self.register_buffer("filterbank", torch.from_numpy(bank), persistent=False)
        self.register_buffer("window", torch.hann_window(config.n_fft, periodic=True), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        c = self.config
        # STFT and mel in float32 even under autocast: the power spectrum spans many decades.
        with torch.autocast(device_type=wave.device.type, enabled=False):
            wave = wave.float()
            padded = nn.functional.pad(wave.unsqueeze(1), (c.n_fft // 2, c.n_fft // 2), mode=c.pad_mode).squeeze(1)
            spec = torch.stft(padded, c.n_fft, hop_length=c.hop, window=self.window, center=False, return_complex=True)
            power = spec.real.square() + spec.imag.square()  # (batch, bins, frames)
            mel = torch.matmul(self.filterbank, power).transpose(1, 2)
            if c.compression == "db":
                return 10.0 * torch.log10(mel.clamp_min(1e-10))
            return torch.log10(10000.0 * mel + 1.0)
