"""Run-based baselines choose their own tower weight on validation, by the rule the run's model used."""

from __future__ import annotations

import copy

import torch

from crossmusim.evaluation.own_weight import choose_own_tower_weight
from crossmusim.model.config import preset
from crossmusim.model.dual_encoder import DualEncoder
from tests.support.small_dataset import build_small_dataset


def test_a_model_with_candidates_chooses_among_them_on_the_validation_songs(tmp_path):
    # Six validation artists: each artist halving leaves tags of two songs on both sides to score.
    dataset = build_small_dataset(tmp_path, seconds=1.0, artists=24)
    config = preset("tiny")
    config.model.head.standardise_audio = True
    config.train.tower_weights = [0.0, 0.5]
    config.model.head.tower_weight = 0.5  # what the trained run kept for itself
    torch.manual_seed(0)
    model = DualEncoder(config)
    given = copy.deepcopy(model.config)
    cache = tmp_path / "cache"
    assert choose_own_tower_weight(model, dataset, cache) == "validation"
    assert model.config.model.head.tower_weight in (0.0, 0.5) and config == given  # the run's config untouched
    again = DualEncoder(copy.deepcopy(given))
    assert choose_own_tower_weight(again, None, cache) == "run"  # no validation songs: the run's own kept
    assert again.config.model.head.tower_weight == 0.5
    given.train.tower_weights = []
    fixed = DualEncoder(given)
    assert choose_own_tower_weight(fixed, dataset, cache) == "configured"
