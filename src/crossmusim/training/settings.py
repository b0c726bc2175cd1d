"""A run's settings as the CLI and the library resolve them: a preset, then a TOML file, then overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.model.config import Preset, apply_overrides, preset, read_toml
from crossmusim.training.data import check_text_types


@dataclass
class TrainOverrides:
    """The command line's overrides of a preset (None: keep the preset's or the TOML file's value)."""

    text_encoder: str | None = None
    audio_encoder: str | None = None
    audio_checkpoint: Path | None = None
    freeze: str | None = None  # "text", "audio", "text,audio" or "none"
    text_types: str | None = None  # comma-separated
    epochs: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    learning_rate: float | None = None


def resolve_config(
    preset_name: str = "cpu",
    config_file: Path | None = None,
    overrides: TrainOverrides | None = None,
    tables: dict[str, Any] | None = None,
) -> Preset:
    """The preset, then the TOML file (or `tables`, its content as a dict), then the overrides, each
    overriding the last."""
    from crossmusim.model.audio.towers import audio_tower_kind
    from crossmusim.model.text import text_tower_kind

    o = overrides or TrainOverrides()
    text_encoder, audio_encoder, freeze, text_types = o.text_encoder, o.audio_encoder, o.freeze, o.text_types
    config = preset(preset_name)
    values = read_toml(config_file) if config_file is not None else dict(tables or {})
    if values:
        config = apply_overrides(config, values, str(config_file) if config_file else "the tables")
    model, train = config.model, config.train
    # a TOML table naming a tower without its kind: the kind follows from the name
    tables = values.get("model", {})
    if "name" in tables.get("audio", {}) and "kind" not in tables["audio"]:
        model.audio.kind = audio_tower_kind(model.audio.name)
    if "name" in tables.get("text", {}) and "kind" not in tables["text"]:
        model.text.kind = text_tower_kind(model.text.name)
    if text_encoder:
        model.text.kind, model.text.name = text_tower_kind(text_encoder), text_encoder
    if audio_encoder:
        model.audio.kind = audio_tower_kind(audio_encoder)
        model.audio.name = "mtt-paper" if audio_encoder == "mtt" else audio_encoder
    if o.audio_checkpoint is not None:
        model.audio.checkpoint = str(o.audio_checkpoint)
    if freeze is not None:
        parts = {p.strip() for p in freeze.split(",") if p.strip() and p.strip() != "none"}
        if parts - {"text", "audio"}:
            raise UserError(f"--freeze {freeze!r}: give text, audio, text,audio or none")
        model.text.freeze, model.audio.freeze = "text" in parts, "audio" in parts
    if model.text.kind == "use-multilingual" and not model.text.freeze:
        raise UserError(
            "use-multilingual has no gradients and is always frozen: add text to --freeze, "
            "or fine-tune a sentence-transformers model (--text-encoder NAME_OR_PATH)"
        )
    if text_types is not None:
        train.text_types = [t.strip() for t in text_types.split(",") if t.strip()]
    train.text_types = check_text_types(train.text_types)
    for name in ("epochs", "batch_size", "seed", "learning_rate"):
        value = getattr(o, name)
        if value is not None:
            setattr(train, name, value)
    return config
