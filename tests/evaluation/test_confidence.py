"""Bootstrap intervals over queries and the per-query rows the metrics hand out."""

from __future__ import annotations

import numpy as np
import pytest

from crossmusim.evaluation import metrics
from crossmusim.evaluation.confidence import macro_interval, mean_interval


def test_an_interval_holds_the_macro_mean_and_narrows_with_more_queries():
    rng = np.random.default_rng(1)
    few = {"rock": rng.random(5), "jazz": rng.random(5)}
    many = {"rock": rng.random(500), "jazz": rng.random(500)}
    low, high = macro_interval(few)
    point = np.mean([np.mean(v) for v in few.values()])
    assert low < point < high
    assert macro_interval(many)[1] - macro_interval(many)[0] < (high - low) / 3
    assert macro_interval(few) == macro_interval(few)  # seeded: the same evaluation, the same interval
    assert macro_interval({"x": [0.5, 0.5]}) == (0.5, 0.5) and macro_interval({}) is None
    assert mean_interval([1.0, 1.0, 1.0]) == (1.0, 1.0) and mean_interval([]) is None


def test_per_query_rows_carry_the_ap_and_the_ranks_of_the_relevant_tracks():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    ids, tags = ["a", "b", "c", "d"], [["x"], ["x"], ["y"], ["x"]]
    rows: list[dict] = []
    result = metrics.m2m_map(vectors, ids, tags, k=100, queries=rows)
    assert [r["query"] for r in rows] == ["a", "b", "d"] and {r["tag"] for r in rows} == {"x"}
    assert rows[0]["relevant_ranks"] == [1, 2] and rows[0]["ap"] == 1.0  # a: b, then d (0.1), c (0.0)
    last = rows[2]  # d: c (0.9) first, then b (0.18) and a (0.1)
    assert last["relevant_ranks"] == [2, 3] and last["ap"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert result["per_tag"]["x"] == pytest.approx(np.mean([r["ap"] for r in rows]))
    t2m: list[dict] = []
    metrics.t2m_by_tag(np.array([[0.0, 1.0]]), ["y"], vectors, ids, tags, queries=t2m)
    assert t2m == [{"query": "y", "tag": "y", "ap": 1.0, "relevant_ranks": [1]}]
