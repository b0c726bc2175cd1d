"""Run an experiment from a TOML file: text-type variants x split seeds x baselines (and the masking
ablation) on any dataset, the best variant chosen on validation, gains paired by seed."""

from __future__ import annotations

from pathlib import Path

import typer


def experiment(
    config_file: Path = typer.Argument(..., help="The experiment's TOML file (see crossmusim.experiment.config)."),
) -> None:
    from crossmusim.experiment import read_experiment, run_experiment

    config = read_experiment(config_file)
    run_experiment(config, on_stage=lambda stage: typer.echo(stage.line()))
    typer.echo("")
    typer.echo((config.out / "report.md").read_text("utf-8"))
