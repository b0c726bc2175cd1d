"""Retrieval speed at the issue's scale: a 200,000 x 512 pool, 1,000 queries, top 100.

crossmusim's `search` over its exact (flat) pool against a plain `faiss.IndexFlatIP` and numpy
(matmul + argpartition + sort of the top 100), in the same run: queries per second (goal >= 0.9x
faiss) and whether the three give the same top 100. Then the HNSW pool: build time, its recall@100
against exact search and its speed-up (offered only at recall >= 0.98). Then embedding throughput
of the musicnn tower (10 s clips per second) on this CPU.

    python benchmarks/retrieval.py [--pool 200000] [--dim 512] [--queries 1000] [--k 100]
"""

from __future__ import annotations

import argparse
import json
import time

import faiss
import numpy as np
import torch

from crossmusim.errors import UserError
from crossmusim.evaluation.retrieval import build_pool, search


def clustered(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Vectors around 2,000 centres (like songs around styles), L2-normalised."""
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 2000, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed(fn, repeats: int = 3):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def same_sets(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True)]))


def hnsw_figures(hnsw, queries: np.ndarray, faiss_ids: np.ndarray, k: int, build_s: float, flat_s: float) -> dict:
    hnsw_s, hits = timed(lambda: search(hnsw, queries, k))
    found = np.array([[int(h["id"][1:]) for h in row] for row in hits])
    return {
        "build_s": round(build_s, 1),
        "ef_search": hnsw.info["ef_search"],
        "recall@k_on_queries": same_sets(found, faiss_ids),
        "recall@100_at_build_held_out": round(hnsw.info["recall@100"], 4),
        "qps": round(len(queries) / hnsw_s, 1),
        "speed_up_vs_flat": round(flat_s / hnsw_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--clips", type=int, default=32)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    pool_vectors = clustered(args.pool, args.dim, rng)
    queries = clustered(args.queries, args.dim, rng)
    ids = [f"t{i:07d}" for i in range(args.pool)]
    out: dict = {"pool": args.pool, "dim": args.dim, "queries": args.queries, "k": args.k,
                 "faiss_threads": faiss.omp_get_max_threads()}  # fmt: skip

    pool = build_pool(ids, pool_vectors, {}, "flat")
    ours_s, ours = timed(lambda: search(pool, queries, args.k))
    ours_ids = np.array([[int(h["id"][1:]) for h in row] for row in ours])
    plain = faiss.IndexFlatIP(args.dim)
    plain.add(pool_vectors)
    faiss_s, (_, faiss_ids) = timed(lambda: plain.search(queries, args.k))

    def numpy_top():
        scores = queries @ pool_vectors.T
        part = np.argpartition(-scores, args.k, axis=1)[:, : args.k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1)

    numpy_s, numpy_ids = timed(numpy_top)
    out["flat"] = {
        "crossmusim_qps": round(args.queries / ours_s, 1),
        "faiss_qps": round(args.queries / faiss_s, 1),
        "numpy_qps": round(args.queries / numpy_s, 1),
        "ratio_vs_faiss": round(faiss_s / ours_s, 3),
        "same_top_k_as_faiss": same_sets(ours_ids, faiss_ids),
        "same_top_k_as_numpy": same_sets(ours_ids, numpy_ids),
    }
    start = time.perf_counter()
    try:
        hnsw = build_pool(ids, pool_vectors, {}, "hnsw")
    except UserError as exc:
        out["hnsw"] = {"refused": str(exc), "build_s": round(time.perf_counter() - start, 1)}
        hnsw = None
    build_s = time.perf_counter() - start
    if hnsw is not None:
        out["hnsw"] = hnsw_figures(hnsw, queries, faiss_ids, args.k, build_s, ours_s)
    print(json.dumps(out, indent=2), flush=True)
    from crossmusim.model.audio.towers import build_audio_tower
    from crossmusim.model.config import AudioTowerConfig

    tower = build_audio_tower(AudioTowerConfig())
    clips = torch.from_numpy(0.1 * rng.standard_normal((args.clips, 160000)).astype(np.float32))
    with torch.no_grad():
        tower(clips[:2])
        start = time.perf_counter()
        for i in range(0, args.clips, 8):
            tower(clips[i : i + 8])
    out["musicnn_clips_per_s"] = round(args.clips / (time.perf_counter() - start), 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
