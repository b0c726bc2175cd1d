"""Retrieval metrics as pure numpy functions.

Text-to-music (T2M), as the paper reports it: each text query has exactly one relevant song (the
song it describes); songs are ranked by cosine similarity.

- Recall@k: the share of queries whose relevant song is among the top k.
- AP@k of one query with relevant set R over its ranked list: (1 / min(|R|, k)) * sum over ranks
  i <= k of precision@i * rel(i). With one relevant song at rank r this is 1/r if r <= k, else 0.
- mAP@k: the mean AP@k over queries.
"""

from __future__ import annotations

import numpy as np


def ranks_of_relevant(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """1-based rank of each query's one relevant item. scores: (queries, items); relevant: (queries,).

    Ties are broken pessimistically: an item scoring the same as the relevant one ranks above it.
    """
    scores = np.asarray(scores, dtype=np.float64)
    target = scores[np.arange(len(scores)), relevant]
    return (scores >= target[:, None]).sum(axis=1)


def recall_at_k(ranks: np.ndarray, k: int) -> float:
    return float(np.mean(np.asarray(ranks) <= k)) if len(ranks) else 0.0


def average_precision_at_k(relevance: np.ndarray, n_relevant: np.ndarray | int, k: int) -> np.ndarray:
    """AP@k per query from ranked relevance flags (queries, >=k) and each query's |R|."""
    rel = np.asarray(relevance, dtype=np.float64)[:, :k]
    precision = np.cumsum(rel, axis=1) / np.arange(1, rel.shape[1] + 1)
    denominator = np.minimum(np.asarray(n_relevant, dtype=np.float64), k)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (precision * rel).sum(axis=1) / denominator
    return np.where(denominator > 0, ap, 0.0)


def t2m_metrics(scores: np.ndarray, relevant: np.ndarray, ks: tuple[int, ...] = (1, 5, 10)) -> dict[str, float]:
    """R@k for each k and mAP@10 of text queries against songs (one relevant song per query)."""
    ranks = ranks_of_relevant(scores, relevant)
    out = {f"t2m_r@{k}": recall_at_k(ranks, k) for k in ks}
    out["t2m_map@10"] = float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0))) if len(ranks) else 0.0
    out["t2m_median_rank"] = float(np.median(ranks)) if len(ranks) else 0.0
    return out
