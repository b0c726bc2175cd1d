"""Paired bootstrap intervals for the headline metrics (pure numpy).

A level's M2M mAP@100 is a macro mean over tags of each tag's mean AP over its queries (one query per
track carrying the tag). A draw resamples the pool's **units** with replacement, the same draw for
every system (paired), and recomputes every system's macro mean from the same per-query APs:

- `artist` (the default): the pool's artists; a drawn artist brings every query of every one of its
  songs, as often as it was drawn. A track without an artist is its own artist. One artist's songs
  move together (same sound, same tags), so this is the unit the figures generalise over.
- `song`: the pool's tracks; a drawn track brings every query it makes (one per tag it carries).
- `query`: the queries within each tag, each tag's query count kept (the narrowest, and too narrow
  when songs or artists repeat).

A tag none of whose queries was drawn is left out of that draw's macro mean. Rankings are not
recomputed: each query's AP is its AP in the whole pool. T2M mAP@10 has one query per tag whatever the
unit, so its interval resamples the tags (`t2m_unit: tag`).

`ci`: the 2.5% and 97.5% percentiles of a system's draws. `gain_ci`: the same of the per-draw
difference system − reference (paired: one draw for both). A fixed seed: the same evaluation always
prints the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DRAWS = 1000
LEVEL = 0.95
UNITS = ("artist", "song", "query")


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2
    values = values[~np.isnan(values)]
    return float(np.quantile(values, tail)), float(np.quantile(values, 1.0 - tail))


def query_weights(
    query_tracks: Sequence[int],
    query_tags: Sequence[int],
    track_units: Sequence[int],
    unit: str,
    draws: int = DRAWS,
    seed: int = 0,
) -> np.ndarray:
    """(draws, queries): how often each query is drawn in each draw. `query_tracks[q]` is the track
    query q was made by, `query_tags[q]` its tag, `track_units[t]` the unit (artist) of track t."""
    if unit not in UNITS:
        raise ValueError(f"bootstrap unit {unit!r}: one of {', '.join(UNITS)}")
    rng = np.random.default_rng(seed)
    query_tracks, query_tags = np.asarray(query_tracks, dtype=np.int64), np.asarray(query_tags, dtype=np.int64)
    if unit == "query":
        weights = np.zeros((draws, len(query_tracks)))
        for tag in np.unique(query_tags):
            members = np.flatnonzero(query_tags == tag)
            picks = rng.integers(0, len(members), size=(draws, len(members)))
            for d in range(draws):
                weights[d, members] += np.bincount(picks[d], minlength=len(members))
        return weights
    units = np.asarray(track_units, dtype=np.int64) if unit == "artist" else np.arange(len(track_units))
    count = int(units.max()) + 1 if len(units) else 0
    picks = rng.integers(0, count, size=(draws, count))
    unit_counts = np.stack([np.bincount(row, minlength=count) for row in picks]).astype(np.float64)
    return unit_counts[:, units[query_tracks]]


def macro_draws(aps: np.ndarray, query_tags: Sequence[int], weights: np.ndarray) -> np.ndarray:
    """(draws,) the macro mean over tags of each tag's weighted mean AP, for one system's per-query
    `aps`; a tag with no weight in a draw is left out of it (NaN when none has any)."""
    query_tags = np.asarray(query_tags, dtype=np.int64)
    tags = int(query_tags.max()) + 1 if len(query_tags) else 0
    member = np.zeros((len(query_tags), tags))
    member[np.arange(len(query_tags)), query_tags] = 1.0
    total, weight = (weights * np.asarray(aps, dtype=np.float64)) @ member, weights @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        per_tag = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
        present = (weight > 0).sum(axis=1)
        return np.where(present > 0, np.nansum(per_tag, axis=1) / np.maximum(present, 1), np.nan)


def paired_intervals(
    aps: dict[str, np.ndarray],
    query_tracks: Sequence[int],
    query_tags: Sequence[int],
    track_units: Sequence[int],
    reference: str | None,
    unit: str = "artist",
    draws: int = DRAWS,
    level: float = LEVEL,
    seed: int = 0,
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Each system's interval and (every system but `reference`, when it is among them) the interval of
    its paired gain over `reference`, for one metric whose per-query APs are `aps[system]` (the same
    queries, in the same order, for every system). Empty dicts when there is no query."""
    if not len(query_tags):
        return {}, {}
    weights = query_weights(query_tracks, query_tags, track_units, unit, draws, seed)
    means = {name: macro_draws(values, query_tags, weights) for name, values in aps.items()}
    ci = {name: _percentiles(values, level) for name, values in means.items()}
    gains = {}
    if reference in means:
        gains = {name: _percentiles(values - means[reference], level)
                 for name, values in means.items() if name != reference}  # fmt: skip
    return ci, gains


def macro_interval(
    per_tag_aps: dict[str, Sequence[float]], draws: int = DRAWS, level: float = LEVEL, seed: int = 0
) -> tuple[float, float] | None:
    """(low, high) of the macro mean over tags of per-tag mean APs, queries resampled within tags (one
    system, no units: `paired_intervals` with the `query` unit)."""
    groups = [(tag, aps) for tag, aps in per_tag_aps.items() if len(aps)]
    if not groups:
        return None
    values = np.concatenate([np.asarray(aps, dtype=np.float64) for _, aps in groups])
    tags = np.concatenate([np.full(len(aps), n) for n, (_, aps) in enumerate(groups)])
    ci, _ = paired_intervals({"x": values}, np.arange(len(values)), tags, np.arange(len(values)), None,
                             "query", draws, level, seed)  # fmt: skip
    return ci["x"]


def mean_interval(
    values: Sequence[float], draws: int = DRAWS, level: float = LEVEL, seed: int = 0
) -> tuple[float, float] | None:
    """(low, high) of a plain mean, its items resampled (one query per tag: T2M)."""
    if not len(values):
        return None
    return macro_interval({"all": values}, draws, level, seed)
