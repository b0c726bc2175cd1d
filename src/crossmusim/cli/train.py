"""Train the text-audio dual encoder (NT-Xent at 0.07): the paper's recipe on GPUs, frozen towers on CPUs."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from crossmusim.cli.options import CacheDir, OutDir, check_device
from crossmusim.errors import UserError
from crossmusim.model.config import PRESETS, Preset, apply_overrides, preset, read_toml
from crossmusim.model.data import check_dataset, check_text_types


def resolve_config(
    preset_name: str,
    config_file: Path | None,
    text_encoder: str | None,
    audio_encoder: str | None,
    audio_checkpoint: Path | None,
    freeze: str | None,
    text_types: str | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    learning_rate: float | None,
) -> Preset:
    """The preset, then the TOML file, then the command-line options, each overriding the last."""
    from crossmusim.model.audio.towers import audio_tower_kind
    from crossmusim.model.text import text_tower_kind

    config = preset(preset_name)
    values = read_toml(config_file) if config_file is not None else {}
    if config_file is not None:
        config = apply_overrides(config, values, str(config_file))
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
    if audio_checkpoint is not None:
        model.audio.checkpoint = str(audio_checkpoint)
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
    for name, value in (
        ("epochs", epochs),
        ("batch_size", batch_size),
        ("seed", seed),
        ("learning_rate", learning_rate),
    ):
        if value is not None:
            setattr(train, name, value)
    return config


def train(
    dataset: Path = typer.Option(..., "--dataset", help="A build-dataset output folder (pairs/ and songs/)."),
    out: Path = OutDir,
    preset_name: str = typer.Option(
        "cpu", "--preset", help=f"{' | '.join(PRESETS)}: cpu trains heads on frozen towers."
    ),
    config_file: Path = typer.Option(None, "--config", help="TOML file overriding any preset field."),
    text_encoder: str = typer.Option(
        None,
        "--text-encoder",
        help="use-multilingual | hashed-ngrams | a registered text tower | a sentence-transformers name or path.",
    ),
    audio_encoder: str = typer.Option(
        None,
        "--audio-encoder",
        help="musicnn-msd | musicnn-mtt | mtt[-paper|-small|-tiny] | a tower registered by entry point.",
    ),
    audio_checkpoint: Path = typer.Option(None, "--audio-checkpoint", help="Weights for the audio tower."),
    freeze: str = typer.Option(None, "--freeze", help="Towers kept frozen: text, audio, text,audio or none."),
    text_types: str = typer.Option(None, "--text-types", help="Text types that train: caption,aspects,lyrics."),
    epochs: int = typer.Option(None, "--epochs", min=1),
    batch_size: int = typer.Option(None, "--batch-size", min=2),
    seed: int = typer.Option(None, "--seed"),
    learning_rate: float = typer.Option(None, "--learning-rate", min=0.0),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last checkpoint."),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda | cuda:N."),
    cache_dir: Path = CacheDir,
) -> None:
    from crossmusim.evaluation.validation import validate
    from crossmusim.model.train import TrainOptions, run_training

    check_device(device)
    check_dataset(dataset)
    config = resolve_config(
        preset_name,
        config_file,
        text_encoder,
        audio_encoder,
        audio_checkpoint,
        freeze,
        text_types,
        epochs,
        batch_size,
        seed,
        learning_rate,
    )
    options = TrainOptions(
        dataset=dataset,
        out=out,
        resume=resume,
        device=device,
        cache_dir=cache_dir,
        command="crossmusim " + shlex.join(sys.argv[1:]),
        validate=validate,
    )
    summary = run_training(config, options)
    if summary:
        best = next(iter(summary["best"].items()))
        typer.echo(
            f"trained {summary['epochs_run']} epochs; best epoch {summary['best_epoch']} "
            f"({best[0]} {best[1] if best[1] is None else round(best[1], 4)}); model in {summary['model']}"
        )
