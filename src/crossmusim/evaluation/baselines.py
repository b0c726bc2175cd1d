"""Systems that turn audio into one vector per track, behind one interface (`Embedder`):

- `model`: a trained crossmusim model (its audio tower and head);
- `random`: seeded random vectors, one per track id (the chance level);
- `untrained`: the run's model as it was before training: its towers as configured (pretrained or
  freshly initialised), its heads at their random initialisation, from the run's seed (an audio head
  that standardises its input keeps the run's input statistics: they are set before the first step),
  its tower weight chosen by the run's rule on the validation songs (`evaluation.own_weight`);
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from crossmusim.errors import UserError
from crossmusim.evaluation.embedder import Embedder
from crossmusim.evaluation.run_models import load_run_model, untrained_model
from crossmusim.model.audio.frontend import windows
from crossmusim.registry import Registry
from crossmusim.training.audio_cache import AudioCache


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
        return self.model.song_vector(torch.from_numpy(outputs.get(key)).to(device)).cpu().numpy()

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_text(texts)

    def share_frozen_outputs(self, memory) -> None:
        self.model.frozen_outputs = memory

    @property
    def tower_weight(self) -> float:
        return self.model.config.model.head.tower_weight


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


def tower_windows(owner, tower, config: dict, length: int, cache: AudioCache, features: Path):
    """`owner`'s `TowerWindows` for this cache and folder (made once, then kept on `owner`)."""
    from crossmusim.training.features import TowerWindows

    found = getattr(owner, "_tower_windows", None)
    if found is None or found[0] != str(features):
        found = (str(features), TowerWindows(tower, config, length, cache, features))
        owner._tower_windows = found
    found[1].cache = cache  # the caller's: another call's AudioCache may not know the songs decoded since
    return found[1]


@dataclass(frozen=True)
class BaselineRequest:
    """What a baseline may be built from: the run it belongs to (`--model`), the dataset whose training
    split it may learn from, the seed, the device and the audio cache folder."""

    model: Path | None = None
    dataset: Path | None = None
    seed: int = 0
    device: str = "cpu"
    cache_dir: Path | None = None


@dataclass(frozen=True)
class Baseline:
    """A baseline system by name (`--baseline NAME`): how to build it and what it needs."""

    build: Callable[[BaselineRequest], Embedder]
    uses_run: bool = False  # built from `--model RUN`'s config, so a run and a baseline go together
    needs_run: bool = False  # refuses to work without `--model RUN`
    needs_training_split: bool = False  # learns from a dataset's training split (`--dataset DIR`)


def _as_baseline(value: object) -> Baseline:
    if isinstance(value, Baseline):
        return value
    if callable(value):
        return Baseline(build=value)
    raise TypeError(f"a baseline entry point gives a Baseline or a build(request) function, not {type(value).__name__}")


# Other packages add baselines under the `crossmusim.baselines` entry-point group (crossmusim.registry).
BASELINES: Registry[Baseline] = Registry("baseline", "crossmusim.baselines", "--baseline", adapt=_as_baseline)


def _probe(request: BaselineRequest) -> Embedder:
    from crossmusim.evaluation.probe import trained_probe
    from crossmusim.training.audio_cache import default_cache_dir

    folder = trained_probe(request.model, request.dataset, request.cache_dir or default_cache_dir())
    embedder = ProbeEmbedder(load_run_model(folder), "probe")
    embedder.tower_weight_from = embedder.model.saved_extra.get("probe", {}).get("tower_weight_from")
    return embedder


def _untrained(request: BaselineRequest) -> Embedder:
    from crossmusim.evaluation.own_weight import choose_own_tower_weight
    from crossmusim.training.audio_cache import default_cache_dir

    model = untrained_model(request.model)
    embedder = ModelEmbedder(model, "untrained")
    root = request.cache_dir or default_cache_dir()
    embedder.tower_weight_from = choose_own_tower_weight(model, request.dataset, root)
    return embedder


def _dsp(request: BaselineRequest) -> Embedder:
    from crossmusim.evaluation.dsp import DspEmbedder

    return DspEmbedder()


BASELINES.register("random", Baseline(lambda request: RandomEmbedder(request.seed)))
BASELINES.register("untrained", Baseline(_untrained, uses_run=True, needs_run=True))
BASELINES.register("musicnn", Baseline(lambda request: MusicnnEmbedder()))
BASELINES.register("musicnn-std", Baseline(lambda request: MusicnnStdEmbedder()))
# probe without a run: the cpu preset's head
BASELINES.register("probe", Baseline(_probe, uses_run=True, needs_training_split=True))
BASELINES.register("dsp", Baseline(_dsp))


def check_system(model: Path | None, baseline: str | None, training_split: bool = True) -> None:
    """Refuse an unknown baseline, one that needs its run without it, or one that learns from a
    training split without one, before any work is done."""
    if baseline is None:
        return
    spec = BASELINES.get(baseline)
    if spec.needs_run and model is None:
        raise UserError(f"--baseline {baseline} needs --model RUN_DIR: the run whose model before training it is")
    if spec.needs_training_split and not training_split:
        raise UserError(
            f"--baseline {baseline} is trained on a training split's tags: give --dataset DIR (an audio pool or a "
            "tags file has none)"
        )


def uses_run(baseline: str | None) -> bool:
    """Whether `--baseline NAME` is built from `--model RUN` (so both options go together)."""
    return baseline is not None and BASELINES.get(baseline).uses_run


def make_embedder(
    model: Path | None,
    baseline: str | None,
    seed: int = 0,
    device: str = "cpu",
    *,
    dataset: Path | None = None,
    cache_dir: Path | None = None,
) -> Embedder:
    """The system to embed with: a trained model (`model` alone) or a baseline from the registry.
    `dataset` is the built dataset whose training split a `probe` learns from."""
    if model is not None and baseline is None:
        embedder = ModelEmbedder(load_run_model(model), f"model:{Path(model).name}")
        embedder.tower_weight_from = "run"  # its own training chose it (or its config set it)
        return embedder.to(device)
    if baseline is None:
        raise UserError("give --model RUN_DIR or --baseline NAME")
    check_system(model, baseline, dataset is not None)
    request = BaselineRequest(model, dataset, seed, device, cache_dir)
    return BASELINES.get(baseline).build(request).to(device)
