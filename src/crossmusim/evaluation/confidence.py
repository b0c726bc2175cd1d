"""Bootstrap confidence intervals over queries for the headline metrics (pure numpy).

A level's M2M mAP@100 is a macro mean over tags of each tag's mean AP over its queries, so its
interval resamples queries **within each tag** (with replacement, the tag's query count kept) and
takes the macro mean again: how much the figure moves with another draw of the same tags' tracks.
T2M mAP@10 has one query per tag: its interval resamples the tags. Percentile intervals; a fixed
seed, so the same evaluation always prints the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DRAWS = 1000
LEVEL = 0.95


def macro_interval(
    per_tag_aps: dict[str, Sequence[float]], draws: int = DRAWS, level: float = LEVEL, seed: int = 0
) -> tuple[float, float] | None:
    """(low, high) of the macro mean over tags of per-tag mean APs, queries resampled within tags."""
    groups = [np.asarray(aps, dtype=np.float64) for aps in per_tag_aps.values() if len(aps)]
    if not groups:
        return None
    rng = np.random.default_rng(seed)
    means = np.zeros(draws)
    for aps in groups:
        means += aps[rng.integers(0, len(aps), size=(draws, len(aps)))].mean(axis=1)
    means /= len(groups)
    tail = (1.0 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def mean_interval(
    values: Sequence[float], draws: int = DRAWS, level: float = LEVEL, seed: int = 0
) -> tuple[float, float] | None:
    """(low, high) of a plain mean, its items resampled (one query per tag: T2M)."""
    if not len(values):
        return None
    return macro_interval({"all": values}, draws, level, seed)
