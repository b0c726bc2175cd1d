"""Model and training presets as dataclasses (open_clip-style): `paper`, `cpu`, `tiny`.

`--config FILE.toml` overrides any field (tables `[model.text]`, `[model.audio]`, `[model.head]`,
`[train]`); the resolved config is saved in the run folder and in the model folder.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError

TEXT_TYPES = ("caption", "aspects", "lyrics")


@dataclass
class TextTowerConfig:
    kind: str = "use-multilingual"  # use-multilingual | sentence-transformers | hashed-ngrams
    name: str = "use-multilingual"  # a sentence-transformers name or local path
    freeze: bool = True
    dim: int = 512  # hashed-ngrams only: its output width (the others report their own)
    buckets: int = 2**16  # hashed-ngrams only


@dataclass
class AudioTowerConfig:
    kind: str = "musicnn"  # musicnn | mtt | transformers | a registered tower
    name: str = "musicnn-msd"  # musicnn-msd | musicnn-mtt | mtt-paper | mtt-small | mtt-tiny | a model folder
    checkpoint: str | None = None  # a user's weights: musicnn TF checkpoint, or the original MTT .ckpt
    freeze: bool = True
    # musicnn: which features feed the head: "mean_pool" (753-d) or "penultimate" (200-d).
    features: str = "mean_pool"
    dropout: float = 0.1  # MTT only
    # transformers folders: which hidden states (0 = embeddings, -1 = last; several are averaged), pooled how
    layers: list[int] | None = None
    pooling: str = "mean"  # mean | max


@dataclass
class HeadConfig:
    hidden: int = 512
    dim: int = 256  # the shared embedding space
    # z-score the audio tower's outputs at the audio head's input with the training split's statistics
    standardise_audio: bool = False
    # A song's embedding keeps the standardised tower features beside the head's output with this
    # weight w: the cosine of two songs is w * features' cosine + (1 - w) * heads' cosine (texts score
    # songs by the head part alone). 0: the head alone. Needs standardise_audio.
    tower_weight: float = 0.0


@dataclass
class ModelConfig:
    text: TextTowerConfig = field(default_factory=TextTowerConfig)
    audio: AudioTowerConfig = field(default_factory=AudioTowerConfig)
    head: HeadConfig = field(default_factory=HeadConfig)


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    warmup_epochs: float = 1.0  # linear warm-up, then cosine decay to zero at `epochs`
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    temperature: float = 0.07
    symmetric: bool = False  # the paper trains text-to-audio only
    crop_seconds: float = 10.0
    text_types: list[str] = field(default_factory=lambda: list(TEXT_TYPES))
    max_aspects: int = 5
    seed: int = 0
    precision: str = "bf16"  # autocast on CUDA only; CPU trains in float32
    early_stop_patience: int = 0  # epochs without a better validation metric; 0 = never stop early
    # The validation metric that picks the best checkpoint: "auto" is validation M2M mAP@100 (coarse and
    # fine averaged) when the validation songs have tags, else T2M mAP@10 over the validation captions
    # (evaluation.validation); or any one metric validation computes, by name.
    select_metric: str = "auto"
    # Frozen towers: training crops cached per song at random starts, one drawn per step (augmentation).
    # 2: chosen on validation among the counts that keep the first run's tower time within twice the
    # old fixed grid's on 30-s songs (benchmarks/select_defaults.py --crops; RESULTS.md).
    frozen_crops: int = 2
    # Candidate `[model.head] tower_weight`s, chosen after training on validation only: for each, the
    # epoch is chosen on one artist-disjoint half of the validation songs and scored on the other (both
    # ways, four halvings), so the noisier embedding is not favoured by its own epoch selection; the
    # best keeps its best epoch. Empty: the model's own weight, no choice.
    tower_weights: list[float] = field(default_factory=list)


@dataclass
class Preset:
    name: str
    model: ModelConfig
    train: TrainConfig

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _paper() -> Preset:
    return Preset(
        "paper",
        ModelConfig(
            TextTowerConfig("sentence-transformers", "distiluse-base-multilingual-cased-v2", freeze=False),
            AudioTowerConfig("mtt", "mtt-paper", freeze=False),
        ),
        TrainConfig(epochs=40, batch_size=64, learning_rate=1e-4, warmup_epochs=1.0),
    )


def _cpu() -> Preset:
    # Frozen towers over cached features: only the heads train. Such heads overfit the training
    # artists' sound within 100-200 epochs on a few hundred songs (the gain peaked at 10-30), hence
    # early stopping on the validation split.
    return Preset(
        "cpu",
        # standardised audio-head input: chosen on validation (real 4Q clips +1.3/+1.25 M2M coarse/fine
        # over 5 split seeds, the demo world even; benchmarks/RESULTS.md)
        ModelConfig(TextTowerConfig(), AudioTowerConfig(), HeadConfig(standardise_audio=True)),
        # tower weight chosen per run: on held-out validation halves the real 4Q clips favour 0.25-0.5
        # (weakly), the demo world the head alone (benchmarks/select_tower_weight.py; RESULTS.md)
        TrainConfig(
            epochs=60,
            batch_size=64,
            learning_rate=1e-3,
            warmup_epochs=1.0,
            early_stop_patience=10,
            tower_weights=[0.0, 0.25, 0.5, 0.75],
        ),
    )


def _tiny() -> Preset:
    return Preset(
        "tiny",
        ModelConfig(
            TextTowerConfig("hashed-ngrams", "hashed-ngrams", freeze=False, dim=64, buckets=4096),
            AudioTowerConfig("mtt", "mtt-tiny", freeze=False, dropout=0.0),
            HeadConfig(hidden=64, dim=32),
        ),
        TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3, warmup_epochs=0.5, crop_seconds=2.0),
    )


PRESETS = {"paper": _paper, "cpu": _cpu, "tiny": _tiny}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise UserError(f"--preset {name!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[name]()


def _override(target: Any, values: dict[str, Any], where: str) -> None:
    for key, value in values.items():
        names = {f.name for f in dataclasses.fields(target)}
        if key not in names:
            raise UserError(f"{where}: unknown field {key!r} (known: {', '.join(sorted(names))})")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise UserError(f"{where}.{key}: expected a table")
            _override(current, value, f"{where}.{key}")
        else:
            expected = type(current) if current is not None else None
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if expected is not None and not isinstance(value, expected):
                raise UserError(f"{where}.{key} = {value!r}: expected {expected.__name__}, got {type(value).__name__}")
            setattr(target, key, value)


def apply_overrides(config: Preset, values: dict[str, Any], where: str) -> Preset:
    values = dict(values)
    values.pop("name", None)
    _override(config, values, where)
    return config


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's tables, or one line saying why not."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None


def load_toml(path: Path, config: Preset) -> Preset:
    return apply_overrides(config, read_toml(path), str(path))


# Validation M2M mAP@100, coarse and fine averaged (evaluation.validation); the tower weight is chosen on it.
M2M_METRIC = "m2m_map@100"
COLLAPSED = 0.99  # songs' mean pairwise cosine above this: the embeddings have collapsed (train and evaluate warn)
# "auto" selection: the first of these that validation computed (see TrainConfig.select_metric).
AUTO_SELECTION = (M2M_METRIC, "t2m_map@10")


def selected_metric(select: str, metrics: dict[str, float]) -> str | None:
    """The validation metric a run is selected on: `select` itself, or the "auto" rule's choice."""
    if select != "auto":
        return select if select in metrics else None
    return next((name for name in AUTO_SELECTION if name in metrics), None)


def differences(saved: dict[str, Any], current: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted field, saved value, current value) for every field that differs, nested tables walked."""
    found = []
    for key in sorted(set(saved) | set(current)):
        a, b = saved.get(key), current.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append((f"{prefix}{key}", a, b))
    return found


# What a resumed run may change: only how long it goes on.
RESUMABLE_FIELDS = ("train.epochs",)


def check_same_training(saved: dict[str, Any], config: Preset, where: str) -> None:
    """Refuse to resume a run whose saved config differs from `config` in any field but `RESUMABLE_FIELDS`."""
    from crossmusim.errors import ConfigMismatchError

    # Read back as a config: fields an older version saved are dropped, fields it lacked take their default.
    saved = from_dict({k: v for k, v in saved.items() if k in ("name", "model", "train")}).as_dict()
    changed = [d for d in differences(saved, config.as_dict()) if d[0] not in RESUMABLE_FIELDS]
    if changed:
        field_name, before, now = changed[0]
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise ConfigMismatchError(
            f"{where}: --resume continues the same training, but {field_name} was {before!r} and is now {now!r}"
            f"{more}: resume with the run's settings (only --epochs may change), or train into another --out"
        )


# Fields that older versions saved and that no longer exist (they changed nothing): dropped on load.
RETIRED = {"train": ("num_workers",)}
# Fields added later, with the value a saved config that lacks them was trained with (its preset's
# default may differ now): an older run folder loads as it was trained.
ADDED = {
    ("model", "head", "standardise_audio"): False,
    ("model", "head", "tower_weight"): 0.0,
    ("train", "tower_weights"): [],
}


def _with_added(values: dict[str, Any]) -> dict[str, Any]:
    for (*parents, name), old in ADDED.items():
        part = values
        for key in parents:
            part = part.setdefault(key, {}) if isinstance(part, dict) else None
        if isinstance(part, dict):
            part.setdefault(name, old)
    return values


def from_dict(values: dict[str, Any]) -> Preset:
    """A saved, resolved config back into dataclasses (unknown fields are an error, retired ones dropped)."""
    values = {k: ({f: v for f, v in part.items() if f not in RETIRED.get(k, ())} if isinstance(part, dict) else part)
              for k, part in values.items()}  # fmt: skip
    values = _with_added(values)
    config = preset(values.get("name", "cpu"))
    config.name = values.get("name", config.name)
    return apply_overrides(config, values, "config.json")
