"""What an experiment produced (`ExperimentResult`, one `SeedResult` per split seed) and where a seed's
outputs go (`seed_folder`): shared by the grid that makes them and the report that writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.experiment.config import ExperimentConfig
from crossmusim.experiment.stages import Stage


@dataclass
class SeedResult:
    seed: int
    dataset: Path
    runs: dict[str, Path] = field(default_factory=dict)  # variant -> run folder
    metrics: dict[str, Any] = field(default_factory=dict)  # the evaluation's metrics.json


@dataclass
class ExperimentResult:
    seeds: list[SeedResult]
    best: str  # the variant chosen on validation
    table: list[dict[str, str]]
    gains: list[dict[str, str]]
    stages: list[Stage]
    seed_gains: list[dict[str, str]] = field(default_factory=list)  # each seed's gain with its interval


def seed_folder(config: ExperimentConfig, seed: int) -> Path:
    """Where a seed's datasets, runs and evaluation go (a prebuilt dataset stays where it is)."""
    return config.out / f"seed{seed}"
