"""The retrieval metrics against naive reference implementations and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from crossmusim.evaluation import metrics


def naive_ap(ranked_relevance: list[bool], n_relevant: int, k: int) -> float:
    hits, total = 0, 0.0
    for position, rel in enumerate(ranked_relevance[:k], start=1):
        if rel:
            hits += 1
            total += hits / position
    return total / min(n_relevant, k) if n_relevant else 0.0


def naive_rank(scores: list[float], ids: list[str]) -> list[int]:
    return sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))


def naive_m2m(emb: np.ndarray, ids: list[str], tags: list[list[str]], k: int) -> dict[str, float]:
    per_tag = {}
    for tag in sorted({t for ts in tags for t in ts}):
        holders = [i for i, ts in enumerate(tags) if tag in ts]
        if len(holders) < 2:
            continue
        aps = []
        for q in holders:
            others = [i for i in range(len(ids)) if i != q]
            scores = [float(emb[q] @ emb[i]) for i in others]
            order = [others[j] for j in naive_rank(scores, [ids[i] for i in others])]
            aps.append(naive_ap([tag in tags[i] for i in order], len(holders) - 1, k))
        per_tag[tag] = sum(aps) / len(aps)
    return per_tag


def test_ap_by_hand():
    # Relevant at ranks 1 and 3 of 4, R = 2: (1/1 + 2/3) / 2.
    assert metrics.average_precision_at_k(np.array([1, 0, 1, 0]), 2, 10) == pytest.approx((1 + 2 / 3) / 2)
    # K smaller than R: divided by K. Relevant at 1 and 2, R = 5, K = 2: (1 + 1) / 2.
    assert metrics.average_precision_at_k(np.array([1, 1, 0]), 5, 2) == pytest.approx(1.0)
    # Fewer candidates than K: what the ranking has counts; R = 1 at rank 2: (1/2) / 1.
    assert metrics.average_precision_at_k(np.array([0, 1]), 1, 100) == pytest.approx(0.5)
    assert metrics.recall_at_k(np.array([0, 1, 1]), 2, 1) == 0.0
    assert metrics.recall_at_k(np.array([0, 1, 1]), 2, 5) == 1.0  # divided by min(k, R)


def test_ties_are_broken_by_ascending_id():
    scores = np.array([0.5, 0.9, 0.5, 0.5])
    ids = ["d", "a", "b", "c"]
    assert metrics.rank(scores, ids).tolist() == [1, 2, 3, 0]  # 0.9 first, then b, c, d


def test_m2m_by_hand_and_a_one_track_tag_is_skipped_and_counted():
    # Four tracks on a line: a, b close together; c, d close together.
    emb = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.28, 0.96]])
    ids = ["a", "b", "c", "d"]
    tags = [["rock"], ["rock"], ["jazz", "solo"], ["jazz"]]
    result = metrics.m2m_map(emb, ids, tags, k=100)
    assert result["per_tag"] == {"jazz": 1.0, "rock": 1.0} and result["map@100"] == 1.0
    assert result["skipped_tags"] == ["solo"]
    swapped = metrics.m2m_map(emb, ids, [["rock"], ["jazz"], ["rock"], ["jazz"]], k=100)
    # a's neighbours: b (jazz), d, c (rock at rank 3): AP = (1/3) / 1.
    assert swapped["per_tag"]["rock"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("k", [1, 3, 100])
def test_m2m_matches_the_naive_reference(k):
    rng = np.random.default_rng(7)
    emb = rng.standard_normal((30, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    emb[5] = emb[6]  # a tie
    ids = [f"t{i:02d}" for i in range(30)]
    vocabulary = ["rock", "pop", "jazz", "sad", "happy", "one-off"]
    tags = [[t for t in vocabulary[:5] if rng.random() < 0.35] for _ in range(30)]
    tags[0].append("one-off")
    got = metrics.m2m_map(emb, ids, tags, k=k)
    expected = naive_m2m(emb, ids, tags, k)
    assert got["per_tag"] == pytest.approx(expected)
    assert got[f"map@{k}"] == pytest.approx(np.mean(list(expected.values())))
    assert "one-off" in got["skipped_tags"]


def test_t2m_by_tag_against_the_naive_reference():
    rng = np.random.default_rng(3)
    emb = rng.standard_normal((12, 4))
    texts = rng.standard_normal((3, 4))
    ids = [f"s{i}" for i in range(12)]
    tags = [["rock"] if i % 3 == 0 else ["pop"] if i % 3 == 1 else [] for i in range(12)]
    got = metrics.t2m_by_tag(texts, ["rock", "pop", "absent"], emb, ids, tags)
    assert got["tags"] == 2 and set(got["per_tag"]) == {"rock", "pop"}
    for i, tag in enumerate(["rock", "pop"]):
        order = naive_rank([float(texts[i] @ e) for e in emb], ids)
        rel = [tag in tags[j] for j in order]
        assert got["per_tag"][tag]["map@10"] == pytest.approx(naive_ap(rel, 4, 10))
        assert got["per_tag"][tag]["r@5"] == pytest.approx(sum(rel[:5]) / 4)


def test_same_artist_diagnostic_by_hand():
    # Two artists, two tracks each; each track's nearest neighbour is its artist's other track.
    emb = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0], [0.14, 0.99]])
    out = metrics.same_artist(emb, ["a", "b", "c", "d"], ["x", "x", "y", "y"], [["rock"], ["pop"], ["jazz"], ["jazz"]],
                              k=100, short_k=1)  # fmt: skip
    assert out["share_with_same_artist@100"] == 1.0 and out["mean_same_artist@100"] == 1.0
    assert out["same_artist_share@1"] == 1.0 and out["same_artist_chance@1"] == pytest.approx(1 / 3)
    assert out["same_artist_no_shared_tag@1"] == 0.5  # a and b share no tag; c and d do


def test_single_relevant_t2m_metrics():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.1]])
    out = metrics.t2m_metrics(scores, np.array([2, 0]))
    assert out["t2m_r@1"] == 0.0 and out["t2m_r@5"] == 1.0
    assert out["t2m_map@10"] == pytest.approx((1 / 2 + 1 / 2) / 2)
