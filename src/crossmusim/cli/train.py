"""Train the text-audio dual encoder (NT-Xent at 0.07): the paper's recipe on GPUs, frozen towers on CPUs."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from crossmusim.cli.options import CacheDir, OutDir, check_device
from crossmusim.model.config import PRESETS
from crossmusim.training.data import check_dataset


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
    keep_checkpoints: int = typer.Option(
        2,
        "--keep-checkpoints",
        min=0,
        help="Epoch checkpoints kept: the last, the best and each candidate tower "
        "weight's best always; others pruned beyond this count (0: keep all).",
    ),
    cache_dir: Path = CacheDir,
) -> None:
    from crossmusim.training import TrainOverrides, resolve_config

    # What can be checked without torch is checked first: a bad input is said in a moment.
    check_device(device)
    check_dataset(dataset)
    overrides = TrainOverrides(
        text_encoder, audio_encoder, audio_checkpoint, freeze, text_types, epochs, batch_size, seed, learning_rate
    )
    config = resolve_config(preset_name, config_file, overrides)
    from crossmusim.evaluation.validation import validate
    from crossmusim.training import TrainOptions
    from crossmusim.training import train as run_training

    options = TrainOptions(
        dataset=dataset,
        out=out,
        resume=resume,
        device=device,
        cache_dir=cache_dir,
        command="crossmusim " + shlex.join(sys.argv[1:]),
        validate=validate,
        keep_checkpoints=keep_checkpoints,
    )
    summary = run_training(config, options)
    if summary:
        best = next(iter(summary["best"].items()))
        typer.echo(
            f"trained {summary['epochs_run']} epochs; best epoch {summary['best_epoch']} "
            f"({best[0]} {best[1] if best[1] is None else round(best[1], 4)}); model in {summary['model']}"
        )
