"""`TrainOptions`: where a run reads and writes and how it runs, apart from `training.run` so that the
loop (`trainer.py`) and the run folder can name it without importing the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TrainOptions:
    """Where a run reads and writes, and how it runs (the model and recipe are the `Preset`)."""

    dataset: Path
    out: Path
    resume: bool = False
    device: str = "cpu"
    cache_dir: Path | None = None
    command: str = ""
    # The validation metrics after each epoch: `crossmusim.evaluation.validation.validate` (the CLI passes
    # it; training sits below evaluation, so it is handed in). None: no validation, the last epoch is kept.
    validate: Callable[..., dict[str, float]] | None = None
    # Epoch files kept besides those the run still needs (the last, the best, each tower weight's best); 0: all.
    keep_checkpoints: int = 2
