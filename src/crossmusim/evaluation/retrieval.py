"""The retrieval pool: a FAISS inner-product index of L2-normalised track embeddings, with ids and
metadata kept beside it, exact by default (the same top k as brute force) or HNSW for large pools
(its recall against exact search measured at build time on a held-out sample of the pool's own
tracks, its search widened until that recall is at least 0.98, and refused when even the widest
search stays below). Text queries come from another distribution: their recall is not measured.

An index is a folder: `index.faiss`, `items.jsonl` (id and metadata per row, in index order) and
`info.json` (kind, dimension, count, HNSW recall).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.errors import UserError
from crossmusim.evaluation.embeddings_io import normalise
from crossmusim.extras import require

HNSW_M, HNSW_EF_CONSTRUCTION = 32, 200
EF_SEARCH_STEPS = (128, 256, 512, 1024, 2048)
RECALL_QUERIES, RECALL_K = 500, 100
MIN_HNSW_RECALL = 0.98  # HNSW is offered only where it loses next to nothing


def _faiss():
    return require("faiss", "eval")


@dataclass
class Pool:
    index: Any
    items: list[dict[str, Any]]
    info: dict[str, Any]

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.items]

    def vector(self, item_id: str) -> np.ndarray:
        position = self.ids.index(item_id) if item_id in set(self.ids) else -1
        if position < 0:
            raise UserError(f"--id {item_id!r} is not in the index")
        return self.index.reconstruct(position)[None, :]


def _make_index(kind: str, dim: int):
    faiss = _faiss()
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return index
    raise UserError(f"--kind {kind!r}: choose flat or hnsw")


def held_out_recall(index, pool: np.ndarray, held: np.ndarray, k: int = RECALL_K) -> float:
    """recall@k of `index` (holding `pool`) against exact search, for queries `held` that are not in
    it: new tracks of the same kind as the pool's."""
    faiss = _faiss()
    k = min(k, len(pool))
    exact = faiss.IndexFlatIP(pool.shape[1])
    exact.add(pool)
    _, truth = exact.search(held, k)
    _, found = index.search(held, k)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(truth, found, strict=True)]))


def build_pool(
    ids: list[str], vectors: np.ndarray, meta: dict[str, dict[str, Any]], kind: str = "flat",
    system: dict | None = None,
) -> Pool:  # fmt: skip
    """The index of `vectors`; `system` (which model or baseline made them) is kept in its info, so that
    a search embeds its queries with the same model."""
    vectors = normalise(vectors)
    order = np.arange(len(ids))
    index = _make_index(kind, vectors.shape[1])
    info: dict[str, Any] = {"kind": kind, "dim": int(vectors.shape[1]), "count": len(ids), "system": system}
    if kind == "hnsw":
        # Hold a sample out of the graph, query with it, widen the search until recall is good enough,
        # then add the sample too: the recall measured is that of tracks the graph has not seen.
        rng = np.random.default_rng(0)
        held = rng.choice(len(ids), size=min(RECALL_QUERIES, max(1, len(ids) // 10)), replace=False)
        rest = np.setdiff1d(order, held)
        index.add(vectors[rest])
        for ef in EF_SEARCH_STEPS:
            index.hnsw.efSearch = ef
            recall = held_out_recall(index, vectors[rest], vectors[held])
            if recall >= MIN_HNSW_RECALL:
                break
        if recall < MIN_HNSW_RECALL:
            raise UserError(
                f"--kind hnsw: its recall@{RECALL_K} against exact search is {recall:.3f} on this pool even at "
                f"efSearch {EF_SEARCH_STEPS[-1]} (below {MIN_HNSW_RECALL}): use --kind flat (exact)"
            )
        index.add(vectors[held])
        order = np.concatenate([rest, held])
        info.update({"m": HNSW_M, "ef_search": index.hnsw.efSearch, f"recall@{RECALL_K}": recall})
    else:
        index.add(vectors)
    items = [{"id": ids[i], **{k: v for k, v in meta.get(ids[i], {}).items() if k != "id"}} for i in order]
    return Pool(index, items, info)


def save_pool(pool: Pool, folder: Path) -> Path:
    faiss = _faiss()
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "index.faiss").is_file():
        raise UserError(f"--out {folder} holds other files: an index replaces its folder, choose another --out")
    staging = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    staging.mkdir(parents=True)
    faiss.write_index(pool.index, str(staging / "index.faiss"))
    (staging / "items.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in pool.items), "utf-8")
    (staging / "info.json").write_text(json.dumps(pool.info, indent=2) + "\n", "utf-8")
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    os.replace(staging, folder)
    return folder


def query_model(info: dict[str, Any], model: Path | None) -> Path | str:
    """The model that embeds an --audio or --text query: the one that made the index's vectors. `model`
    (optional) must be that one; an index of a baseline's vectors, or of vectors made elsewhere without
    --model, cannot embed a query."""
    from crossmusim.evaluation.run_models import model_config_folder
    from crossmusim.model.hub import hub_argument

    system = info.get("system") or {}
    held = system.get("model") if not system.get("baseline") else None
    if system.get("baseline"):
        raise UserError(f"this index holds {system['baseline']} vectors (a baseline, no model to embed a query "
                        "with): search it with --id, or index a model's embeddings")  # fmt: skip
    if model is None:
        if held is None:
            raise UserError("this index does not say which model made its vectors (an embeddings file from "
                            "elsewhere): give --model RUN_DIR")  # fmt: skip
        return held
    if held is not None:
        given = str(model) if hub_argument(model) else str(model_config_folder(model).resolve())
        if given != held:
            raise UserError(f"--model {model}: this index holds vectors of {held}: search with that model (or "
                            "leave --model out)")  # fmt: skip
    return model


def load_pool(folder: Path) -> Pool:
    faiss = _faiss()
    folder = Path(folder)
    if not (folder / "index.faiss").is_file():
        raise UserError(f"--index {folder}: not a crossmusim index (run crossmusim index first)")
    items = [json.loads(line) for line in (folder / "items.jsonl").read_text("utf-8").splitlines() if line]
    info = json.loads((folder / "info.json").read_text("utf-8"))
    index = faiss.read_index(str(folder / "index.faiss"))
    if info.get("kind") == "hnsw":
        index.hnsw.efSearch = info["ef_search"]  # the width whose recall was measured at build time
    return Pool(index, items, info)


def search(
    pool: Pool, queries: np.ndarray, k: int = 20, *, max_per_artist: int | None = None, exclude: set[str] | None = None
) -> list[list[dict[str, Any]]]:
    """Top-k items per query (dicts: id, score, metadata). `max_per_artist` keeps at most N tracks by
    one artist (the next best take their places); `exclude` drops ids (a query's own track)."""
    queries = normalise(np.atleast_2d(queries))
    exclude = exclude or set()
    # With an artist cap, over-fetch so that capped artists' places can be filled by the next best.
    wanted = max(4 * k, k + len(exclude) + 64) if max_per_artist else k + len(exclude)
    wanted = min(len(pool.items), wanted)
    scores, positions = pool.index.search(queries, wanted)
    results = []
    for row_scores, row_positions in zip(scores, positions, strict=True):
        hits, per_artist = [], {}
        for score, position in zip(row_scores, row_positions, strict=True):
            if position < 0:
                continue
            item = pool.items[position]
            if item["id"] in exclude:
                continue
            artist = item.get("artist") or None
            if max_per_artist and artist is not None:
                if per_artist.get(artist, 0) >= max_per_artist:
                    continue
                per_artist[artist] = per_artist.get(artist, 0) + 1
            hits.append({**item, "score": float(score)})
            if len(hits) == k:
                break
        results.append(hits)
    return results


def format_hits(hits: list[dict[str, Any]]) -> str:
    """Search results as a table with a header: rank, score, id, title, artist."""
    rows = [("rank", "score", "id", "title", "artist")]
    rows += [(str(n), f"{h['score']:.4f}", str(h["id"]), str(h.get("title") or ""), str(h.get("artist") or ""))
             for n, h in enumerate(hits, 1)]  # fmt: skip
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)
