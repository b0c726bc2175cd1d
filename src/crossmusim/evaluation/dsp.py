"""The `dsp` baseline: handcrafted statistics of a track, no learning (how far plain signal processing gets)."""

from __future__ import annotations

import numpy as np

from crossmusim.evaluation.embedder import Embedder
from crossmusim.model.audio.mel import MelConfig, mel_filterbank

DSP_MEL = MelConfig(sample_rate=22050, n_fft=2048, hop=512, n_mels=40)


class DspEmbedder(Embedder):
    """20 MFCC means and deviations, 12 chroma means, and tempo (BPM / 200): 53 numbers per track."""

    name, sample_rate = "dsp", 22050
    standardise = True  # MFCC c0 alone would otherwise dominate every similarity

    def settings(self) -> dict:
        return {"mel": DSP_MEL.__dict__, "mfcc": 20, "chroma": 12, "tempo": "autocorrelation, log-normal prior"}

    def __init__(self):
        c = DSP_MEL
        self.filters = mel_filterbank(c.sample_rate, c.n_fft, c.n_mels, 0.0, c.sample_rate / 2, "slaney", True)
        n = np.arange(c.n_mels)
        self.dct = np.cos(np.pi / c.n_mels * (n[None, :] + 0.5) * np.arange(20)[:, None])  # DCT-II
        freqs = np.fft.rfftfreq(c.n_fft, 1 / c.sample_rate)
        pitch = np.full(len(freqs), -1)
        audible = (freqs > 27.5) & (freqs < 4200)
        pitch[audible] = np.round(12 * np.log2(freqs[audible] / 440.0)).astype(int) % 12
        self.pitch = pitch

    def embed_track(self, wave: np.ndarray, track_id: str) -> np.ndarray:
        c = DSP_MEL
        if len(wave) < c.n_fft:
            wave = np.pad(wave, (0, c.n_fft - len(wave)))
        frames = np.lib.stride_tricks.sliding_window_view(wave, c.n_fft)[:: c.hop] * np.hanning(c.n_fft)
        power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (frames, bins)
        mfcc = np.log10(power @ self.filters.T + 1e-10) @ self.dct.T  # (frames, 20)
        chroma = np.stack([power[:, self.pitch == p].sum(axis=1) for p in range(12)], axis=1)
        chroma = chroma / (chroma.sum(axis=1, keepdims=True) + 1e-10)
        onset = np.maximum(0.0, np.diff(np.log10(power.sum(axis=1) + 1e-10)))
        tempo = _tempo(onset, c.sample_rate / c.hop)
        return np.concatenate([mfcc.mean(0), mfcc.std(0), chroma.mean(0), [tempo / 200.0]]).astype(np.float32)


def _tempo(onset: np.ndarray, frame_rate: float) -> float:
    """The BPM in 60-200 whose lag maximises the onset-strength autocorrelation, weighted by a
    log-normal prior around 120 BPM (one octave wide) against half- and double-tempo errors."""
    onset = onset - onset.mean() if len(onset) else onset
    lags = np.arange(int(frame_rate * 60 / 200), int(frame_rate * 60 / 60) + 1)
    if len(onset) <= lags[-1]:
        return 0.0
    bpm = 60.0 * frame_rate / lags
    corr = np.array([float(onset[:-lag] @ onset[lag:]) for lag in lags])
    prior = np.exp(-0.5 * np.log2(bpm / 120.0) ** 2)
    return float(bpm[int(np.argmax(corr * prior))])
