"""A run-based baseline's own tower weight, chosen by the rule the run's model was chosen by.

A run keeps `[model.head] tower_weight` among its `[train] tower_weights`, cross-fitted on artist halves
of the validation songs (`training.tower_weight`). Its `untrained` and `probe` baselines are other
embeddings of the same songs: each chooses among the same candidates on the same validation songs, by
the same rule, instead of borrowing the weight the trained model found best for itself. The untrained
model has one "epoch" (itself); the probe has its training epochs (`evaluation.probe`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from crossmusim.evaluation.validation import tower_weight_scores, whole_track_outputs
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.tower_weight import choose_tower_weight

logger = logging.getLogger("crossmusim.evaluate")


def candidate_weights(model) -> list[float]:
    """The weights the run compared, else the one it was configured with (nothing to choose)."""
    return sorted(model.config.train.tower_weights) or [model.config.model.head.tower_weight]


def set_tower_weight(model, weight: float) -> None:
    """`model` embeds songs with `weight` from now on (its config is its own copy)."""
    import copy

    model.config = copy.deepcopy(model.config)
    model.config.model.head.tower_weight = weight


def choose_own_tower_weight(model, dataset: Path | None, cache_root: Path) -> str:
    """Set `model`'s tower weight by the run's rule on `dataset`'s validation songs; say where it came
    from: `validation` (chosen), `configured` (the run compared none), or `run` (no validation songs
    with tags to choose on: the trained model's own weight is kept)."""
    from crossmusim.training.data import load_split_data
    from crossmusim.training.features import FrozenFeatures

    weights = candidate_weights(model)
    if len(weights) == 1:
        set_tower_weight(model, weights[0])
        return "configured"
    if dataset is None:
        return "run"
    cache = AudioCache(cache_root, model.sample_rate)
    valid = load_split_data(dataset, cache, [], splits=("validation",))[0]["validation"]
    frozen = None
    if model.config.model.audio.freeze:
        frozen = FrozenFeatures(model, cache, Path(cache_root) / "features", model.config.train.frozen_crops)
    model.eval()
    with torch.no_grad():
        outputs = whole_track_outputs(model, valid, cache, frozen) if len(valid.songs) >= 2 else []
        scores = tower_weight_scores(model, outputs, valid, list(valid.songs), weights) if outputs else {}
    choice = choose_tower_weight([(0, scores)]) if scores else None
    if choice is None:
        logger.warning("no validation M2M to choose a tower weight on: the run's own (%s) is kept",
                       model.config.model.head.tower_weight)  # fmt: skip
        return "run"
    set_tower_weight(model, choice.weight)
    return "validation"
