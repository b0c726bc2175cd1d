"""Which `[model.head] tower_weight` a run keeps (`[train] tower_weights`), from the scores validation
recorded after each epoch (`evaluation.validation.tower_weight_scores`): `choose_tower_weight` is pure
(scores in, choice out); `keep_tower_weight` makes the choice the run's model.

Why not the best validation figure: each weight's figure would be that of the epoch it was selected by,
on the same songs, and the head alone (the noisiest embedding) gains most from that selection. Here,
for each weight, each artist halving and each direction, the epoch is chosen on one half and scored on
the other; the weight with the best mean held-out score is kept (ties: the smaller weight), with the
epoch whose score on every validation song is best for it (the run's usual rule).
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.model.config import M2M_METRIC
from crossmusim.training import checkpoint as ckpt
from crossmusim.training import run_folder

logger = logging.getLogger("crossmusim.train")

# (epoch, {weight: {"all": M2M over the validation songs, "halves": [[half 0, half 1] per halving]}})
History = list[tuple[int, dict[float, dict]]]


@dataclass
class TowerWeightChoice:
    weight: float
    epoch: int
    score: float  # validation M2M of the kept epoch at the kept weight, every validation song
    held_out: dict[float, float] = field(default_factory=dict)  # each candidate's mean held-out M2M

    def as_dict(self) -> dict:
        return {"weight": self.weight, "epoch": self.epoch, "validation_m2m": self.score,
                "held_out_m2m": {str(w): v for w, v in self.held_out.items()}}  # fmt: skip


def held_out_values(history: History, weight: float) -> list[float]:
    """For each halving and each direction (half 0 chooses, then half 1), the held-out half's score at
    the epoch the choosing half found best (the first best, as training keeps); NaN where the choosing
    half scored no epoch or the held-out half has no score."""
    values = []
    for cut in range(len(history[0][1][weight]["halves"])):
        pairs = [scores[weight]["halves"][cut] for _, scores in history]
        for chooser in (0, 1):
            usable = [i for i, pair in enumerate(pairs) if not math.isnan(pair[chooser])]
            chosen = max(usable, key=lambda i: pairs[i][chooser]) if usable else None
            values.append(math.nan if chosen is None else pairs[chosen][1 - chooser])
    return values


def held_out_score(history: History, weight: float) -> float:
    """The mean of `held_out_values` that are numbers; NaN when no half could be scored."""
    values = [v for v in held_out_values(history, weight) if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def best_epoch_of(history: History, weight: float) -> tuple[int, dict]:
    """The (first) epoch whose score on every validation song is best at `weight`, with its scores."""
    return max(history, key=lambda entry: entry[1][weight]["all"])


def candidate_epochs(history: History) -> set[int]:
    """Every epoch the choice can keep: each candidate weight's best."""
    if not history:
        return set()
    return {best_epoch_of(history, w)[0] for w in history[0][1] if all(w in scores for _, scores in history)}


def choose_tower_weight(history: History) -> TowerWeightChoice | None:
    """The weight to keep and its epoch; None without scores (no validation tags)."""
    if not history or not history[0][1]:
        return None
    weights = sorted(w for w in history[0][1] if all(w in scores for _, scores in history))
    held = {w: held_out_score(history, w) for w in weights}
    usable = [w for w in weights if not math.isnan(held[w])]
    if not usable:
        return None
    weight = max(usable, key=lambda w: (held[w], -w))
    epoch, scores = best_epoch_of(history, weight)
    return TowerWeightChoice(weight, epoch, scores[weight]["all"], held)


def keep_tower_weight(
    model, out: Path, history: History, selected: str, epochs: list[dict]
) -> TowerWeightChoice | None:
    """After training: the chosen weight, with its epoch's weights (from that epoch's checkpoint), saved
    as the run's model; None (the model as selected during training) when validation scored no M2M."""
    choice = choose_tower_weight(history) if selected == f"val_{M2M_METRIC}" else None
    if choice is None:
        logger.info("tower weights not compared: no validation M2M on both halves (tags of two songs each); "
                    "the model keeps its own")  # fmt: skip
        return None
    model.load_state_dict(ckpt.load_checkpoint(ckpt.checkpoint_path(out, choice.epoch))["weights"], strict=False)
    model.config = copy.deepcopy(model.config)  # the run's own config stays as it was given
    model.config.model.head.tower_weight = choice.weight
    row = next((r for r in epochs if r.get("epoch") == choice.epoch), {})
    metrics = {k.removeprefix("val_"): v for k, v in row.items() if k.startswith("val_")}
    run_folder.save_model(model, out, {"trained": {"epoch": choice.epoch, "metrics": metrics},
                                       "tower_weight": choice.as_dict()})  # fmt: skip
    held = ", ".join(f"{w}: {v:.4f}" for w, v in choice.held_out.items())
    logger.info("tower weight %s kept (held-out validation halves: %s), epoch %d: %s %.4f",
                choice.weight, held, choice.epoch, selected, choice.score)  # fmt: skip
    return choice
