"""The listening test's statistics, as pure functions of the answer table (one row per answer and
system that retrieved the item; `kind` retrieved, same or unrelated; one column per criterion).

- MOS: the mean rating of a system's retrieved items, per criterion, and `average` (each answer's mean
  over the criteria, then the mean). 95% intervals: a bootstrap that resamples raters and queries
  together (each draw weights a rating by how often its rater and its query were drawn).
- Paired differences: per query, system A's mean average rating minus B's (raters pooled); the
  Wilcoxon signed-rank test over queries (scipy), p-values Holm-corrected over all pairs (statsmodels).
- Agreement: Krippendorff's alpha, ordinal (the `krippendorff` package), over every rated (item,
  criterion) of every rater.
- Screening by the hidden checks: a rater who rated the query itself below 4 on average, or a song
  sharing none of its tags as high as the query itself, is screened out of MOS and the tests.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from crossmusim.extras import require

DRAWS = 1000
SAME_AT_LEAST = 4.0


def with_average(frame: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    return frame.assign(average=frame[criteria].mean(axis=1))


def screen(frame: pd.DataFrame, criteria: list[str]) -> list[dict]:
    """The raters the hidden checks screen out, each with why (judged on the average over criteria)."""
    checks = with_average(frame[frame["kind"].isin(["same", "unrelated"])], criteria)
    out = []
    for rater, rows in checks.groupby("rater", sort=True):
        same = rows.loc[rows["kind"] == "same", "average"]
        other = rows.loc[rows["kind"] == "unrelated", "average"]
        if len(same) and same.mean() < SAME_AT_LEAST:
            out.append({"rater": rater, "why": f"rated the query itself {same.mean():.2f} (below {SAME_AT_LEAST:g})"})
        elif len(same) and len(other) and other.mean() >= same.mean():
            out.append({"rater": rater, "why": f"rated a song sharing no tag {other.mean():.2f}, as high as the "
                                               f"query itself {same.mean():.2f}"})  # fmt: skip
    return out


def _interval(values: np.ndarray, raters: np.ndarray, queries: np.ndarray, rater_counts, query_counts) -> list[float]:
    weights = rater_counts[:, raters] * query_counts[:, queries]  # draws x answers
    totals = weights.sum(axis=1)
    means = (weights @ values)[totals > 0] / totals[totals > 0]
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def mos(frame: pd.DataFrame, criteria: list[str], draws: int = DRAWS, seed: int = 0) -> dict[str, dict]:
    """{system: {criterion or "average": {"mos", "ci"}}} over the retrieved items of `frame`."""
    rows = with_average(frame[frame["kind"] == "retrieved"], criteria)
    rater_ids = {r: n for n, r in enumerate(sorted(rows["rater"].unique()))}
    query_ids = {q: n for n, q in enumerate(sorted(rows["query"].unique()))}
    rng = np.random.default_rng(seed)
    rater_counts = (
        rng.multinomial(len(rater_ids), [1 / len(rater_ids)] * len(rater_ids), size=draws) if rater_ids else None
    )
    query_counts = (
        rng.multinomial(len(query_ids), [1 / len(query_ids)] * len(query_ids), size=draws) if query_ids else None
    )
    out: dict[str, dict] = {}
    for system, part in rows.groupby("system", sort=True):
        raters = part["rater"].map(rater_ids).to_numpy()
        queries = part["query"].map(query_ids).to_numpy()
        out[system] = {}
        for column in [*criteria, "average"]:
            values = part[column].to_numpy(dtype=float)
            ci = _interval(values, raters, queries, rater_counts, query_counts)
            out[system][column] = {"mos": float(values.mean()), "ci": ci}
    return out


def paired_tests(frame: pd.DataFrame, criteria: list[str]) -> list[dict]:
    """Every pair of systems: the mean per-query difference of their average ratings, the Wilcoxon
    signed-rank p-value over the queries both have, and its Holm-corrected value."""
    from scipy.stats import wilcoxon

    multitest = require("statsmodels.stats.multitest", "listen")
    rows = with_average(frame[frame["kind"] == "retrieved"], criteria)
    per_query = rows.groupby(["system", "query"])["average"].mean().unstack("query")
    pairs = []
    for a, b in combinations(sorted(per_query.index), 2):
        both = per_query.loc[[a, b]].dropna(axis=1)
        differences = (both.loc[a] - both.loc[b]).to_numpy()
        if len(differences) and np.any(differences != 0):
            p = float(wilcoxon(differences).pvalue)
        else:
            p = 1.0  # no query tells them apart
        pairs.append({"a": a, "b": b, "difference": float(differences.mean()) if len(differences) else 0.0,
                      "queries": int(len(differences)), "p": p})  # fmt: skip
    if pairs:
        corrected = multitest.multipletests([pair["p"] for pair in pairs], method="holm")[1]
        for pair, p in zip(pairs, corrected, strict=True):
            pair["p_holm"] = float(p)
    return pairs


def alpha(frame: pd.DataFrame, criteria: list[str]) -> float | None:
    """Krippendorff's alpha (ordinal, values 1-5) over every rated (item, criterion); None under two raters."""
    krippendorff = require("krippendorff", "listen")
    answers = frame.drop_duplicates(["rater", "item"])  # an item retrieved by two systems: one answer
    if answers["rater"].nunique() < 2:
        return None
    long = answers.melt(id_vars=["rater", "item"], value_vars=criteria, var_name="criterion", value_name="rating")
    table = long.pivot_table(index="rater", columns=["item", "criterion"], values="rating", aggfunc="first")
    if table.shape[1] < 2:
        return None
    return float(krippendorff.alpha(reliability_data=table.to_numpy(dtype=float), level_of_measurement="ordinal",
                                    value_domain=[1, 2, 3, 4, 5]))  # fmt: skip
