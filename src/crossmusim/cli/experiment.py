"""Run an experiment from a TOML file: text-type variants x split seeds x baselines (and the masking
ablation) on any dataset, the best variant chosen on validation, gains paired by seed."""

from __future__ import annotations

from pathlib import Path

import typer


def experiment(
    config_file: Path = typer.Argument(..., help="The experiment's TOML file (see crossmusim.experiment.config)."),
    redo: bool = typer.Option(
        False, "--redo", help="Make again the steps whose settings changed since they ran, and every step after them."
    ),
) -> None:
    from crossmusim.experiment import read_experiment, run_experiment

    config = read_experiment(config_file)
    run_experiment(config, on_stage=lambda stage: typer.echo(stage.line()), redo=redo)
    typer.echo("")
    typer.echo((config.out / "report.md").read_text("utf-8"))
