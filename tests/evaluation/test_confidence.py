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


def _pool(seed: int = 0):
    """40 tracks, tags rock/jazz; one artist has 16 near-identical rock songs that find each other, the
    others are 24 artists of one song each, placed at random."""
    from crossmusim.evaluation.whole_tracks import Track

    rng = np.random.default_rng(seed)
    tracks, vectors = [], []
    for i in range(16):
        tracks.append(Track(f"c{i:02d}", "clone", tags_coarse=["rock"]))
        vectors.append(np.r_[1.0, 0.0, 0.0] + 0.01 * rng.standard_normal(3))
    for i in range(24):
        tracks.append(Track(f"s{i:02d}", f"artist{i}", tags_coarse=["rock" if i % 3 == 0 else "jazz"]))
        vectors.append(rng.standard_normal(3))
    vectors = np.array(vectors)
    return tracks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _scored(tracks, systems, unit, reference="a"):
    from crossmusim.evaluation.scoring import add_intervals, score

    rows: list[dict] = []
    results = {s.name: score(tracks, s, queries=rows) for s in systems}
    add_intervals(results, rows, tracks, reference, unit)
    return results


def test_the_artist_interval_is_wider_than_the_query_interval_when_one_artist_repeats_itself():
    from crossmusim.evaluation.scoring import System

    tracks, vectors = _pool()
    system = System("a", [t.id for t in tracks], vectors)
    width = {}
    for unit in ("artist", "song", "query"):
        low, high = _scored(tracks, [system], unit)["a"]["ci"]["m2m_coarse_map@100"]
        width[unit] = high - low
    assert width["artist"] > 1.5 * width["query"] and width["artist"] > width["song"]


def test_a_gain_interval_is_paired_and_holds_zero_for_a_copy_of_the_reference():
    from crossmusim.evaluation.scoring import System

    tracks, vectors = _pool()
    ids = [t.id for t in tracks]
    shuffled = np.random.default_rng(5).permutation(vectors)  # worse than the reference, on the same draws
    systems = [System("a", ids, vectors), System("copy", ids, vectors.copy()), System("worse", ids, shuffled)]
    results = _scored(tracks, systems, "artist")
    low, high = results["copy"]["gain_ci"]["m2m_coarse_map@100"]
    assert low <= 0.0 <= high and low == high == 0.0  # paired: the same draw for both, every draw
    point = results["worse"]["m2m_coarse"]["map@100"] - results["a"]["m2m_coarse"]["map@100"]
    low, high = results["worse"]["gain_ci"]["m2m_coarse_map@100"]
    assert low <= point <= high and high < 0
    assert "gain_ci" not in results["a"] and set(results["copy"]["ci"]) == {"m2m_coarse_map@100"}


def test_paired_intervals_refuse_an_unknown_unit():
    from crossmusim.evaluation.confidence import query_weights

    with pytest.raises(ValueError, match="bootstrap unit 'album'"):
        query_weights([0], [0], [0], "album")


def test_tracks_without_an_artist_count_as_their_own_artists_in_the_same_artist_column():
    from crossmusim.evaluation.scoring import System, score, table_rows
    from crossmusim.evaluation.whole_tracks import Track

    tracks = [Track("a", "x", tags_coarse=["t"]), Track("b", "x", tags_coarse=["t"]),
              Track("c", "", tags_coarse=["t"]), Track("d", "", tags_coarse=["u"])]  # fmt: skip
    vectors = np.eye(4)[[0, 0, 1, 1]] + 0.01 * np.eye(4)
    result = score(tracks, System("s", [t.id for t in tracks], vectors / np.linalg.norm(vectors, axis=1)[:, None]))
    # a and b find each other; c and d, both artist-less, are not one artist
    assert result["same_artist"]["same_artist_share@10"] == pytest.approx((1 / 3 + 1 / 3 + 0 + 0) / 4)
    (row,) = table_rows({"s": result})
    assert "same artist in top 100" not in row  # 4 tracks: every other one is in the top 100
