"""Caption-to-track retrieval: free-text queries (`id, text`) that each describe one track, ranked
against every track with a model's text and audio towers (R@1, R@5, R@10 and median rank; the
definitions of `metrics.t2m_metrics`). A MusicCaps CSV is a queries file too (`ytid`, `caption`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.errors import UserError
from crossmusim.evaluation import metrics
from crossmusim.evaluation.whole_tracks import Track
from crossmusim.io import iter_table_rows

ID_COLUMNS = ("id", "ytid")
TEXT_COLUMNS = ("text", "caption")


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(track id, text) pairs of a CSV/TSV (`id,text`, or MusicCaps' `ytid,caption`), JSONL or Parquet file."""
    if not path.is_file():
        raise UserError(f"--queries {path}: no such file")
    queries = []
    for line, row in iter_table_rows(path):
        if not isinstance(row, dict):
            raise UserError(str(row))
        track = next((str(row[c]).strip() for c in ID_COLUMNS if row.get(c)), "")
        text = next((str(row[c]).strip() for c in TEXT_COLUMNS if row.get(c)), "")
        if not track or not text:
            raise UserError(f"{path}:{line}: a query needs an id (or ytid) and a text (or caption)")
        queries.append((track, text))
    if not queries:
        raise UserError(f"--queries {path}: no queries in it")
    return queries


def match_queries(
    queries: list[tuple[str, str]], ids: list[str], path: Path
) -> tuple[list[tuple[str, str]], list[str]]:
    """The queries whose id names a track of the pool, and the ids that name none. None matching stops:
    the two files name tracks differently."""
    known = set(ids)
    matched = [(i, text) for i, text in queries if i in known]
    unmatched = list(dict.fromkeys(i for i, _ in queries if i not in known))
    if not matched:
        raise UserError(
            f"--queries {path}: none of its {len(queries)} queries names a track of the pool (e.g. "
            f"{', '.join(repr(i) for i in unmatched[:2])}; the pool's ids are like "
            f"{', '.join(repr(i) for i in sorted(known)[:2])}): name tracks by their song_id (a pairs file's id)"
        )
    return matched, unmatched


def caption_retrieval(
    queries: list[tuple[str, str]], tracks: list[Track], vectors: np.ndarray, text_embed: Any
) -> dict[str, float] | None:
    """R@1/5/10 and median rank of each query's own track among `tracks` (`vectors` in their order);
    queries about tracks not among them are left out (counted); None when none is left."""
    position = {t.id: n for n, t in enumerate(tracks)}
    kept = [(position[i], text) for i, text in queries if i in position]
    if not kept:
        return None
    texts = np.asarray(text_embed([text for _, text in kept]), dtype=np.float32)
    result = metrics.t2m_metrics(texts @ vectors.T, np.array([n for n, _ in kept]))
    out = {key.removeprefix("t2m_"): value for key, value in result.items() if key != "t2m_map@10"}
    return {**out, "queries": len(kept), "queries_without_track": len(queries) - len(kept)}
