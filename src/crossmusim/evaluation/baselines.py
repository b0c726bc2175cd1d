"""Systems that turn audio into one vector per track, behind one interface (`Embedder`):

- `model`: a trained crossmusim model (its audio tower and head);
- `random`: seeded random vectors, one per track id (the chance level);
- `untrained`: the run's model as it was before training: its towers as configured (pretrained or
  freshly initialised), its heads at their random initialisation, from the run's seed (an audio head
  that standardises its input keeps the run's input statistics: they are set before the first step);
- `musicnn`: the pretrained musicnn-MSD tagger's 753-d mean-pooled features as they are (the paper's
  "pretrained tagger" row);
- `musicnn-std`: the same features standardised per dimension, then L2-normalised: the fair
  audio-only baseline every gain is reported against (raw, a few large dimensions dominate);
- `probe`: the run's audio head trained as a tag classifier on the training split's tags
  (`evaluation.probe`): the upper bound of what tag-like text can teach; needs a training split;
- `dsp`: handcrafted statistics: MFCC means and deviations, chroma means, and tempo (standardised).
Each embeds a track as the mean over its whole-track windows (`model.audio_cache.windows`).
Standardised systems take each dimension's mean and deviation from the training split when there is
one (a dataset), else from the pool being embedded (`evaluation.embed.embed_tracks`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from crossmusim.errors import UserError
from crossmusim.model.audio.mel import MelConfig, mel_filterbank
from crossmusim.model.audio_cache import AudioCache, windows

BASELINES = ("random", "untrained", "musicnn", "musicnn-std", "probe", "dsp")
RUN_BASELINES = ("untrained", "probe")  # built from a run's config (--model); probe: the cpu preset without one


class Embedder:
    name: str
    sample_rate: int
    window_seconds: float = 10.0
    # z-score each dimension before L2 (features of mixed scales): over the training split, else the pool
    standardise: bool = False

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


class ModelEmbedder(Embedder):
    def __init__(self, model, name: str):
        self.model, self.name = model, name
        self.sample_rate = model.sample_rate
        self.window_seconds = model.config.train.crop_seconds

    def to(self, device: str) -> ModelEmbedder:
        self.model.to(device)
        return self

    def settings(self) -> dict:
        return self.model.config.as_dict()  # with its weights (hashed by `system_id`)

    @torch.no_grad()
    def embed_track(self, wave: np.ndarray, track_id: str) -> np.ndarray:
        return self.model.embed_audio([wave])[0]

    @torch.no_grad()
    def embed_cached(self, cache: AudioCache, key: str, track_id: str, features: Path) -> np.ndarray:
        audio = self.model.config.model.audio
        if not audio.freeze:
            return self.embed_track(cache.read(key), track_id)
        outputs = tower_windows(self, self.model.audio_tower, audio.__dict__, self.model.crop_samples, cache, features)
        device = next(self.model.audio_head.parameters()).device
        embedded = self.model.audio_head(torch.from_numpy(outputs.get(key)).to(device))  # each window normalised
        return torch.nn.functional.normalize(embedded.float().mean(dim=0), dim=0).cpu().numpy()

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_text(texts)

    def share_frozen_outputs(self, memory) -> None:
        self.model.frozen_outputs = memory


class ProbeEmbedder(ModelEmbedder):
    """A trained probe (`evaluation.probe`): the model's audio side only; its text head never trained."""

    def embed_texts(self, texts: list[str]) -> None:
        return None


class RandomEmbedder(Embedder):
    name, sample_rate = "random", 16000

    def __init__(self, seed: int = 0, dim: int = 256):
        self.seed, self.dim = seed, dim

    def settings(self) -> dict:
        return {"seed": self.seed, "dim": self.dim}

    def embed_track(self, wave: np.ndarray, track_id: str) -> np.ndarray:
        digest = hashlib.sha256(f"{self.seed}:{track_id}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "little")).standard_normal(self.dim).astype(np.float32)


class MusicnnEmbedder(Embedder):
    name, sample_rate = "musicnn", 16000

    def __init__(self):
        from crossmusim.model.audio.towers import build_audio_tower
        from crossmusim.model.config import AudioTowerConfig

        self.config = AudioTowerConfig()
        self.tower = build_audio_tower(self.config)
        self.device = "cpu"

    def settings(self) -> dict:
        return dict(self.config.__dict__)

    def to(self, device: str) -> MusicnnEmbedder:
        self.tower.to(device)
        self.device = device
        return self

    @torch.no_grad()
    def embed_track(self, wave: np.ndarray, track_id: str) -> np.ndarray:
        chunks = torch.from_numpy(windows(wave, int(self.window_seconds * self.sample_rate))).to(self.device)
        parts = [self.tower(chunks[i : i + 8]) for i in range(0, len(chunks), 8)]
        return torch.cat(parts).mean(dim=0).cpu().numpy()

    def embed_cached(self, cache: AudioCache, key: str, track_id: str, features: Path) -> np.ndarray:
        length = int(self.window_seconds * self.sample_rate)
        return tower_windows(self, self.tower, self.config.__dict__, length, cache, features).get(key).mean(axis=0)


class MusicnnStdEmbedder(MusicnnEmbedder):
    """musicnn's features, each dimension standardised (the training split's statistics)."""

    name, standardise = "musicnn-std", True

    @property
    def cache_name(self) -> str:
        return "musicnn"  # the same raw features: computed once for both rows


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


def tower_windows(owner, tower, config: dict, length: int, cache: AudioCache, features: Path):
    """`owner`'s `TowerWindows` for this cache and folder (made once, then kept on `owner`)."""
    from crossmusim.model.features import TowerWindows

    found = getattr(owner, "_tower_windows", None)
    if found is None or found[0] != str(features):
        found = (str(features), TowerWindows(tower, config, length, cache, features))
        owner._tower_windows = found
    found[1].cache = cache  # the caller's: another call's AudioCache may not know the songs decoded since
    return found[1]


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


def load_run_model(run: Path):
    """A trained model from a run folder (`RUN/model`) or a model folder itself."""
    from crossmusim.model.dual_encoder import DualEncoder

    run = Path(run)
    folder = run / "model" if (run / "model" / "config.json").is_file() else run
    if not (folder / "config.json").is_file():
        raise UserError(f"--model {run}: no trained model there (a train run folder, or its model/ folder)")
    return DualEncoder.from_pretrained(folder)


def untrained_model(run: Path | None):
    """The run's model before training: its config built again from the run's seed (no run: the cpu preset)."""
    from crossmusim.model.config import from_dict, preset
    from crossmusim.model.dual_encoder import DualEncoder

    if run is None:
        config = preset("cpu")
    else:
        model_dir = Path(run) / "model" if (Path(run) / "model").is_dir() else Path(run)
        values = json.loads((model_dir / "config.json").read_text("utf-8"))
        config = from_dict({k: v for k, v in values.items() if k in ("name", "model", "train")})
    torch.manual_seed(config.train.seed)
    model = DualEncoder(config).eval()
    if run is not None and model.audio_head.standardise:  # set from the data before the first step
        from safetensors.torch import load_file

        weights = load_file(str(model_dir / "model.safetensors"))
        model.audio_head.input_mean.copy_(weights["audio_head.input_mean"])
        model.audio_head.input_scale.copy_(weights["audio_head.input_scale"])
    return model


def check_system(model: Path | None, baseline: str | None, training_split: bool = True) -> None:
    """Refuse an unknown baseline, `untrained` without its run, or `probe` without a training split,
    before any work is done."""
    if baseline is not None and baseline not in BASELINES:
        raise UserError(f"--baseline {baseline!r}: choose {', '.join(BASELINES)}")
    if baseline == "untrained" and model is None:
        raise UserError("--baseline untrained needs --model RUN_DIR: the run whose model before training it is")
    if baseline == "probe" and not training_split:
        raise UserError(
            "--baseline probe is trained on a training split's tags: give --dataset DIR (an audio pool or a tags "
            "file has none)"
        )


def make_embedder(
    model: Path | None,
    baseline: str | None,
    seed: int = 0,
    device: str = "cpu",
    *,
    dataset: Path | None = None,
    cache_dir: Path | None = None,
) -> Embedder:
    """The system to embed with: a trained model (`model` alone) or a baseline. `dataset` is the built
    dataset whose training split a `probe` learns from."""
    if model is not None and baseline is None:
        return ModelEmbedder(load_run_model(model), f"model:{Path(model).name}").to(device)
    if baseline == "random":
        return RandomEmbedder(seed)
    if baseline in ("musicnn", "musicnn-std"):
        return (MusicnnStdEmbedder() if baseline == "musicnn-std" else MusicnnEmbedder()).to(device)
    if baseline == "dsp":
        return DspEmbedder()
    check_system(model, baseline, dataset is not None)
    if baseline == "probe":
        from crossmusim.evaluation.probe import trained_probe
        from crossmusim.model.audio_cache import default_cache_dir

        folder = trained_probe(model, dataset, cache_dir or default_cache_dir())
        return ProbeEmbedder(load_run_model(folder), "probe").to(device)
    return ModelEmbedder(untrained_model(model), "untrained").to(device)
