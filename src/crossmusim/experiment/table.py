"""The demo's evaluation table over several seeds: each system's figures as mean ± spread, and each
text-guided model's gain over an audio-only reference paired by seed (the same split, the same test
artists), with how many seeds it won. Pure functions over `evaluate`'s metrics.json results.

Spread is the sample standard deviation over seeds (0 for one seed). Figures are percentages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

COLUMNS = {  # column -> how to read it from one system's result in metrics.json
    "T2M R@1": ("t2m", "r@1"),
    "T2M R@5": ("t2m", "r@5"),
    "T2M mAP@10": ("t2m", "map@10"),
    "M2M coarse mAP@100": ("m2m_coarse", "map@100"),
    "M2M fine mAP@100": ("m2m_fine", "map@100"),
    "same artist in top 10": ("same_artist", "same_artist_share@10"),
    "chance (top 10)": ("same_artist", "same_artist_chance@10"),
}
GAIN_COLUMNS = ("M2M coarse mAP@100", "M2M fine mAP@100", "same artist in top 10")


def figure(result: dict[str, Any], column: str) -> float | None:
    block, key = COLUMNS[column]
    value = (result.get(block) or {}).get(key)
    return None if value is None else 100.0 * float(value)


def mean_spread(values: Sequence[float]) -> tuple[float, float]:
    """(mean, sample standard deviation); the spread of one value is 0."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def cell(values: Sequence[float | None]) -> str:
    """mean ± spread of the known values; when some seeds lack the figure, how many it averages."""
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    mean, spread = mean_spread(known)
    fewer = f" ({len(known)} of {len(values)} seeds)" if len(known) < len(values) else ""
    return f"{mean:.1f} ± {spread:.1f}{fewer}"


def summary_rows(per_seed: list[dict[str, dict[str, Any]]], systems: Sequence[str]) -> list[dict[str, str]]:
    """One row per system: each column's mean ± spread over the seeds that have the system."""
    rows = []
    for name in systems:
        results = [seed[name] for seed in per_seed if name in seed]
        row = {"system": name, "seeds": str(len(results))}
        row.update({column: cell([figure(r, column) for r in results]) for column in COLUMNS})
        rows.append(row)
    return rows


def gain_rows(
    per_seed: list[dict[str, dict[str, Any]]], systems: Sequence[str], reference: str
) -> list[dict[str, str]]:
    """Each system's gain over `reference`, seed by seed, as mean ± spread and wins (higher is better for
    mAP; for the same-artist share lower is better, so a win there is a fall)."""
    rows = []
    for name in systems:
        paired = [(seed[name], seed[reference]) for seed in per_seed if name in seed and reference in seed]
        row = {"system": name, "vs": reference}
        for column in GAIN_COLUMNS:
            deltas = []
            for mine, theirs in paired:
                a, b = figure(mine, column), figure(theirs, column)
                if a is not None and b is not None:
                    deltas.append(a - b)
            if not deltas:
                row[column] = "-"
                continue
            mean, spread = mean_spread(deltas)
            wins = sum(d < 0 for d in deltas) if column.startswith("same artist") else sum(d > 0 for d in deltas)
            row[column] = f"{mean:+.1f} ± {spread:.1f} ({wins}/{len(deltas)})"
        rows.append(row)
    return rows


GAIN_INTERVALS = {"M2M coarse mAP@100": "m2m_coarse_map@100", "M2M fine mAP@100": "m2m_fine_map@100"}


def seed_gain_rows(
    per_seed: list[dict[str, dict[str, Any]]], seeds: Sequence[int], systems: Sequence[str], reference: str
) -> list[dict[str, str]]:
    """Each system's gain over `reference` in each seed, with that seed's paired 95% bootstrap interval
    (metrics.json's `gain_ci`; "-" where the evaluation has none)."""
    rows = []
    for name in systems:
        for seed, results in zip(seeds, per_seed, strict=True):
            if name not in results or reference not in results:
                continue
            row = {"system": name, "seed": str(seed)}
            for column, key in GAIN_INTERVALS.items():
                a, b = figure(results[name], column), figure(results[reference], column)
                interval = (results[name].get("gain_ci") or {}).get(key)
                text = "-" if a is None or b is None else f"{a - b:+.1f}"
                if interval is not None and text != "-":
                    text += f" [{100 * interval[0]:+.1f}, {100 * interval[1]:+.1f}]"
                row[column] = text
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(row[h] for h in head) + " |" for row in rows])
