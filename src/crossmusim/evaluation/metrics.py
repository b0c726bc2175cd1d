"""Retrieval metrics as pure numpy functions: the paper's protocol, with these exact definitions.

- Similarity is the inner product of L2-normalised embeddings.
- A ranking sorts candidates by descending score; ties are broken by ascending id.
- AP@K of one ranking = (1 / min(R, K)) * sum_{k=1..K} P@k * rel(k), where R is the number of
  relevant items among the candidates (for music-to-music, the query itself is not a candidate) and
  P@k the share of relevant items in the top k. A ranking shorter than K counts what it has.
- R@k of one ranking = |relevant in top k| / min(k, R).
- Music-to-music (query by example), per tag level: for each tag t with at least two tracks, and
  each track q carrying t, rank every other track; relevant = the tracks carrying t. The tag's
  mAP@100 is the mean AP@100 over its queries; the level's figure is the mean over tags (macro).
  Tags with fewer than two tracks are skipped and counted.
- Text-to-music: each tag's text is a query ranked against every track; relevant = the tracks
  carrying the tag; R@1, R@5 and mAP@10, each averaged over tags.
- Same-artist diagnostic (music-to-music queries): the share of queries whose top 100 (itself
  excluded) holds at least one track by the same artist, and the mean number of such tracks; also the
  share of the top 10 by the same artist beside its chance level (what a random ranking gives), and
  the share of the top 10 by the same artist that shares none of the query's tags (artist crowding).

Also `t2m_metrics`: one relevant song per text query (the validation metric of training), and
`mean_pairwise_cosine`: the mean cosine over all pairs of distinct tracks; above 0.99 (`model.config.COLLAPSED`)
the embeddings have collapsed (every track near one direction): rankings hang on tiny differences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mean_pairwise_cosine(embeddings: np.ndarray) -> float:
    """Mean cosine over the n(n-1) ordered pairs of distinct rows: (|sum of unit rows|^2 - n) / (n(n-1))."""
    vectors = np.asarray(embeddings, dtype=np.float64)
    if len(vectors) < 2:
        return float("nan")
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(vectors)
    return float((np.square(vectors.sum(axis=0)).sum() - n) / (n * (n - 1)))


def id_order(ids: Sequence[str]) -> np.ndarray:
    """Each id's position in ascending id order: the tie-breaker of every ranking."""
    positions = np.empty(len(ids), dtype=np.int64)
    positions[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    return positions


def rank(scores: np.ndarray, ids: Sequence[str], *, order: np.ndarray | None = None) -> np.ndarray:
    """Candidate indices sorted by descending score, ties by ascending id. scores: (n,).

    `order` (from `id_order(ids)`) saves recomputing the tie-breaker when ranking many queries."""
    order = id_order(ids) if order is None else order
    return np.lexsort((order, -np.asarray(scores, dtype=np.float64)))


def average_precision_at_k(relevant_in_order: np.ndarray, n_relevant: int, k: int) -> float:
    """AP@k of one ranking given its relevance flags in ranked order (see the module docstring)."""
    if n_relevant <= 0:
        return 0.0
    rel = np.asarray(relevant_in_order, dtype=np.float64)[:k]
    precision = np.cumsum(rel) / np.arange(1, len(rel) + 1)
    return float((precision * rel).sum() / min(n_relevant, k))


def recall_at_k(relevant_in_order: np.ndarray, n_relevant: int, k: int) -> float:
    if n_relevant <= 0:
        return 0.0
    return float(np.asarray(relevant_in_order[:k], dtype=np.float64).sum() / min(k, n_relevant))


def tag_sets(tags: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """tag -> boolean mask over tracks."""
    out: dict[str, np.ndarray] = {}
    for i, track_tags in enumerate(tags):
        for tag in set(track_tags):
            out.setdefault(tag, np.zeros(len(tags), dtype=bool))[i] = True
    return out


def similarities(embeddings: np.ndarray) -> np.ndarray:
    """Every track against every track (float64), to compute once for several track-to-track metrics."""
    vectors = np.asarray(embeddings, dtype=np.float64)
    return vectors @ vectors.T


def m2m_map(
    embeddings: np.ndarray,
    ids: Sequence[str],
    tags: Sequence[Sequence[str]],
    k: int = 100,
    *,
    scores: np.ndarray | None = None,
    queries: list[dict] | None = None,
) -> dict[str, object]:
    """Music-to-music mAP@k per tag and its macro mean over tags (tags of one level).

    `scores`: `similarities(embeddings)`, when the caller has it already. `queries`: a list that
    gets one row per query (`query` id, `tag`, `ap`, `relevant_ranks`: the 1-based rank of each
    relevant track in the query's ranking)."""
    scores = similarities(embeddings) if scores is None else scores
    masks = tag_sets(tags)
    order = id_order(ids)
    rankings: dict[int, np.ndarray] = {}
    per_tag, skipped = {}, []
    for tag in sorted(masks):
        mask = masks[tag]
        if mask.sum() < 2:
            skipped.append(tag)
            continue
        aps = []
        for q in np.flatnonzero(mask):
            if q not in rankings:
                others = np.delete(np.arange(len(ids)), q)
                rankings[q] = others[rank(scores[q, others], ids, order=order[others])]
            aps.append(average_precision_at_k(mask[rankings[q]], int(mask.sum()) - 1, k))
            if queries is not None:
                ranks = (np.flatnonzero(mask[rankings[q]]) + 1).tolist()
                queries.append({"query": ids[q], "tag": tag, "ap": aps[-1], "relevant_ranks": ranks})
        per_tag[tag] = float(np.mean(aps))
    return {
        f"map@{k}": float(np.mean(list(per_tag.values()))) if per_tag else 0.0,
        "per_tag": per_tag,
        "tags": len(per_tag),
        "skipped_tags": skipped,
    }


def t2m_by_tag(
    text_embeddings: np.ndarray,
    tag_names: Sequence[str],
    embeddings: np.ndarray,
    ids: Sequence[str],
    tags: Sequence[Sequence[str]],
    queries: list[dict] | None = None,
) -> dict[str, object]:
    """Text-to-music: tag_names[i]'s text embedding text_embeddings[i] queries every track.
    `queries` gets one row per tag query (its AP@10 and the ranks of the relevant tracks)."""
    masks = tag_sets(tags)
    per_tag = {}
    scores = np.asarray(text_embeddings, dtype=np.float64) @ np.asarray(embeddings, dtype=np.float64).T
    for i, tag in enumerate(tag_names):
        mask = masks.get(tag)
        if mask is None or not mask.any():
            continue
        order = rank(scores[i], ids)
        rel, n = mask[order], int(mask.sum())
        per_tag[tag] = {
            "r@1": recall_at_k(rel, n, 1),
            "r@5": recall_at_k(rel, n, 5),
            "map@10": average_precision_at_k(rel, n, 10),
        }
        if queries is not None:
            ranks = (np.flatnonzero(rel) + 1).tolist()
            queries.append({"query": tag, "tag": tag, "ap": per_tag[tag]["map@10"], "relevant_ranks": ranks})
    mean = {m: float(np.mean([v[m] for v in per_tag.values()])) if per_tag else 0.0 for m in ("r@1", "r@5", "map@10")}
    return {**mean, "per_tag": per_tag, "tags": len(per_tag)}


def same_artist(
    embeddings: np.ndarray,
    ids: Sequence[str],
    artists: Sequence[str],
    tags: Sequence[Sequence[str]] | None = None,
    k: int = 100,
    short_k: int = 10,
    *,
    scores: np.ndarray | None = None,
) -> dict[str, float]:
    """The same-artist diagnostic over every track as a query (see the module docstring).

    `scores`: `similarities(embeddings)`, when the caller has it already."""
    n = len(ids)
    scores = similarities(embeddings) if scores is None else scores
    artists = np.asarray(artists, dtype=object)
    tag_of = [set(t) for t in tags] if tags is not None else None
    any_hit, counts, short_share, chance, crowding = [], [], [], [], []
    tie_order = id_order(ids)
    for q in range(n):
        others = np.delete(np.arange(n), q)
        order = others[rank(scores[q, others], ids, order=tie_order[others])]
        same = artists[order] == artists[q]
        any_hit.append(bool(same[:k].any()))
        counts.append(int(same[:k].sum()))
        top = same[:short_k]
        short_share.append(float(top.mean()) if len(top) else 0.0)
        chance.append(float(same.mean()) if len(same) else 0.0)
        if tag_of is not None:
            alien = [not (tag_of[i] & tag_of[q]) for i in order[:short_k]]
            crowding.append(float(np.mean(top & np.asarray(alien, dtype=bool))) if len(top) else 0.0)
    out = {
        f"share_with_same_artist@{k}": float(np.mean(any_hit)) if n else 0.0,
        f"mean_same_artist@{k}": float(np.mean(counts)) if n else 0.0,
        f"same_artist_share@{short_k}": float(np.mean(short_share)) if n else 0.0,
        f"same_artist_chance@{short_k}": float(np.mean(chance)) if n else 0.0,
    }
    if tag_of is not None:
        out[f"same_artist_no_shared_tag@{short_k}"] = float(np.mean(crowding)) if n else 0.0
    return out


def ranks_of_relevant(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """1-based rank of each query's one relevant item. scores: (queries, items); relevant: (queries,).

    Ties are broken pessimistically: an item scoring the same as the relevant one ranks above it.
    """
    scores = np.asarray(scores, dtype=np.float64)
    target = scores[np.arange(len(scores)), relevant]
    return (scores >= target[:, None]).sum(axis=1)


def t2m_metrics(scores: np.ndarray, relevant: np.ndarray, ks: tuple[int, ...] = (1, 5, 10)) -> dict[str, float]:
    """R@k for each k and mAP@10 of text queries against songs, one relevant song per query
    (AP@10 with R = 1 is 1/rank within the top 10, else 0)."""
    ranks = ranks_of_relevant(scores, relevant)
    out = {f"t2m_r@{k}": float(np.mean(ranks <= k)) if len(ranks) else 0.0 for k in ks}
    out["t2m_map@10"] = float(np.mean(np.where(ranks <= 10, 1.0 / ranks, 0.0))) if len(ranks) else 0.0
    out["t2m_median_rank"] = float(np.median(ranks)) if len(ranks) else 0.0
    return out
