"""Scoring for the evaluation protocol (`evaluation.run.evaluate` drives it): every system is scored on
the same tracks (the ids all of them embedded), with the metrics of `evaluation.metrics`; the tables.

Systems: trained models (`--model RUN_DIR`: audio and text towers), baselines (`--baseline NAME`)
and precomputed embeddings (`--embeddings FILE`: MERT, CLMR, ... vectors a user brings). Tracks and
their tags come from a built dataset's split, or from a tags file (`id, level, tag`) with an artists
file (`id, artist`) for embeddings files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.errors import UserError
from crossmusim.evaluation import confidence, metrics
from crossmusim.evaluation.whole_tracks import Track
from crossmusim.io import atomic_output

T2M_TEMPLATE = "{tag}"  # the tag word itself is the text query
REFERENCE = "musicnn-std"  # the strongest fair audio-only baseline: gains are measured against it
GAIN_COLUMNS = ("M2M coarse mAP@100", "M2M fine mAP@100", "same artist in top 10")


@dataclass
class System:
    name: str
    ids: list[str]
    vectors: np.ndarray
    text_embed: Any = None  # texts -> vectors (a trained model only)
    run: Path | None = None  # the run folder, for training curves

    def aligned(self, tracks: list[Track]) -> np.ndarray:
        """This system's vectors of `tracks`, in their order (it must cover them all)."""
        position = {i: n for n, i in enumerate(self.ids)}
        return self.vectors[[position[t.id] for t in tracks]]


def score(
    tracks: list[Track], system: System, template: str = T2M_TEMPLATE, queries: list[dict] | None = None
) -> dict[str, Any]:
    """Every metric of one system on `tracks` (in that order; the system must cover them all), with
    95% bootstrap intervals over queries (`evaluation.confidence`) under `ci`. `queries` gets one row
    per query: system, level (coarse, fine, t2m), query, tag, AP and the ranks of the relevant tracks."""
    vectors = system.aligned(tracks)
    ids = [t.id for t in tracks]
    coarse, fine = [t.tags_coarse for t in tracks], [t.tags_fine for t in tracks]
    both = [c + f for c, f in zip(coarse, fine, strict=True)]
    scores = metrics.similarities(vectors)  # once for the three track-to-track metrics
    rows: dict[str, list[dict]] = {"coarse": [], "fine": [], "t2m": []}
    out: dict[str, Any] = {
        "m2m_coarse": metrics.m2m_map(vectors, ids, coarse, k=100, scores=scores, queries=rows["coarse"]),
        "m2m_fine": metrics.m2m_map(vectors, ids, fine, k=100, scores=scores, queries=rows["fine"]),
    }
    if all(t.artist for t in tracks):
        out["same_artist"] = metrics.same_artist(vectors, ids, [t.artist for t in tracks], both, scores=scores)
    if system.text_embed is not None:
        names = sorted({tag for t in tracks for tag in t.tags_coarse + t.tags_fine})
        texts = system.text_embed([template.format(tag=name) for name in names])
        out["t2m"] = metrics.t2m_by_tag(texts, names, vectors, ids, both, queries=rows["t2m"])
    intervals = {}
    for level in ("coarse", "fine"):
        by_tag: dict[str, list[float]] = {}
        for row in rows[level]:
            by_tag.setdefault(row["tag"], []).append(row["ap"])
        intervals[f"m2m_{level}_map@100"] = confidence.macro_interval(by_tag)
    if rows["t2m"]:
        intervals["t2m_map@10"] = confidence.mean_interval([row["ap"] for row in rows["t2m"]])
    out["ci"] = {name: list(found) for name, found in intervals.items() if found is not None}
    if queries is not None:
        queries += [{"system": system.name, "level": level, **row} for level, found in rows.items() for row in found]
    return out


def write_queries(path: Path, rows: list[dict]) -> Path:
    """Every query of the evaluation as Parquet (system, level, query, tag, ap, relevant_ranks), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = ("system", "level", "query", "tag", "ap", "relevant_ranks")
    types = (pa.string(), pa.string(), pa.string(), pa.string(), pa.float64(), pa.list_(pa.int32()))
    table = pa.table({c: pa.array([r[c] for r in rows], t) for c, t in zip(columns, types, strict=True)})
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)
    return path


def interval_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    """One line per system: its headline figures with their 95% intervals, in percent."""
    names = {"m2m_coarse_map@100": "M2M coarse", "m2m_fine_map@100": "M2M fine", "t2m_map@10": "T2M mAP@10"}
    lines = []
    for system, r in results.items():
        parts = [f"{label} [{100 * r['ci'][key][0]:.1f}, {100 * r['ci'][key][1]:.1f}]"
                 for key, label in names.items() if key in r.get("ci", {})]  # fmt: skip
        if parts:
            lines.append(f"- {system}: " + ", ".join(parts))
    return lines


def common_tracks(tracks: list[Track], systems: list[System]) -> tuple[list[Track], dict[str, int]]:
    """The tracks every system embedded; how many each system lacked."""
    missing = {}
    kept = tracks
    for system in systems:
        have = set(system.ids)
        missing[system.name] = sum(1 for t in tracks if t.id not in have)
        kept = [t for t in kept if t.id in have]
    if len(kept) < 2:
        raise UserError(f"only {len(kept)} tracks are embedded by every system: nothing to compare")
    return kept, missing


def table_rows(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per system, laid out like the paper's Table I."""
    rows = []
    for name, r in results.items():
        t2m, sa = r.get("t2m") or {}, r.get("same_artist") or {}
        rows.append(
            {
                "system": name,
                "T2M R@1": t2m.get("r@1"),
                "T2M R@5": t2m.get("r@5"),
                "T2M mAP@10": t2m.get("map@10"),
                "M2M coarse mAP@100": r["m2m_coarse"]["map@100"] if r["m2m_coarse"]["tags"] else None,
                "M2M fine mAP@100": r["m2m_fine"]["map@100"] if r["m2m_fine"]["tags"] else None,
                "same artist in top 100": sa.get("share_with_same_artist@100"),
                "same artist in top 10": sa.get("same_artist_share@10"),
                "chance (top 10)": sa.get("same_artist_chance@10"),
            }
        )
    return rows


def caption_rows(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per system with caption-to-track results (`evaluation.queries`); median rank as is."""
    rows = []
    for name, r in results.items():
        if "captions" in r:
            c = r["captions"]
            rows.append({"system": name, "queries": c["queries"], "R@1": c["r@1"], "R@5": c["r@5"],
                         "R@10": c["r@10"], "median rank": f"{c['median_rank']:g}"})  # fmt: skip
    return rows


def gain_rows(results: dict[str, dict[str, Any]], reference: str) -> list[dict[str, Any]]:
    """Every other system's difference from `reference` in the M2M and same-artist columns, in points
    (for the same-artist share, lower is better)."""
    rows = {row["system"]: row for row in table_rows(results)}
    base = rows[reference]
    out = []
    for name, row in rows.items():
        if name == reference:
            continue
        gains = {"system": name, "vs": reference}
        for column in GAIN_COLUMNS:
            mine, theirs = row[column], base[column]
            gains[column] = None if mine is None or theirs is None else f"{100 * (mine - theirs):+.2f}"
        out.append(gains)
    return out


def format_cell(value: Any) -> str:
    """A figure as a percentage with two decimals; "-" for none."""
    return "-" if value is None else f"{100 * value:.2f}" if isinstance(value, float) else str(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table ("-" where a system has no such figure, e.g. T2M for audio-only systems)."""
    if not rows:
        return ""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(format_cell(row[h]) for h in head) + " |" for row in rows]
    return "\n".join(lines)
