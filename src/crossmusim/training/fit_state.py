"""What a training run carries from epoch to epoch (`FitState`), as one object the loop, the checkpoint
and the selection share; and which epoch files a run may prune (`prune_checkpoints`).

A checkpoint holds the state with the weights, optimizer, scheduler and every process's random
generators (`training.checkpoint`): its keys are the state's, so older checkpoints load as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.training import checkpoint as ckpt
from crossmusim.training.tower_weight import History, candidate_epochs


@dataclass
class FitState:
    epoch: int = 0  # the last epoch done
    best: float | None = None  # the selection metric's best value so far
    best_epoch: int = 0
    stale: int = 0  # epochs since it last improved (early stopping)
    history: list[dict[str, Any]] = field(default_factory=list)  # one metrics row per epoch
    selected: str = "no_validation"  # the selection metric's name, once validation has computed it
    weights: History = field(default_factory=list)  # each epoch's candidate tower weights' validation scores

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any]) -> FitState:
        return cls(saved["epoch"], saved["best"], saved["best_epoch"], saved["stale"], list(saved["history"]),
                   saved.get("selected", "no_validation"),
                   [(int(e), dict(scores)) for e, scores in saved.get("tower_weights", [])])  # fmt: skip

    def as_checkpoint(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "selected": self.selected, "best": self.best, "best_epoch": self.best_epoch,
                "stale": self.stale, "history": self.history, "tower_weights": self.weights}  # fmt: skip

    def needed_epochs(self) -> set[int]:
        """The epochs whose checkpoints the run may still need: the last (resume), the best, and each
        candidate tower weight's best (the weight's choice after training loads its epoch's weights)."""
        return {self.epoch, self.best_epoch, *candidate_epochs(self.weights)} - {0}


def prune_checkpoints(run: Path, keep: int, needed: set[int]) -> list[Path]:
    """Remove epoch files beyond `keep` (0: keep all), never one in `needed`: the needed epochs first,
    then the most recent others until `keep` files remain. Returns the removed files."""
    if keep <= 0:
        return []
    found = ckpt.epoch_files(run)
    others = sorted((e for e in found if e not in needed), reverse=True)
    kept = needed | set(others[: max(0, keep - len(needed & set(found)))])
    removed = [found[e] for e in found if e not in kept]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
