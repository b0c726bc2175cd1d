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
    tower_weight: float | None = None  # its song vectors' share of tower features; None: no such thing
    tower_weight_from: str | None = None  # validation (chosen there), configured, run (the trained model's)
    standardised_on: str | None = None  # where a standardising system's statistics came from

    def aligned(self, tracks: list[Track]) -> np.ndarray:
        """This system's vectors of `tracks`, in their order (it must cover them all)."""
        position = {i: n for n, i in enumerate(self.ids)}
        return self.vectors[[position[t.id] for t in tracks]]


def score(
    tracks: list[Track], system: System, template: str = T2M_TEMPLATE, queries: list[dict] | None = None
) -> dict[str, Any]:
    """Every metric of one system on `tracks` (in that order; the system must cover them all).
    `queries` gets one row per query: system, level (coarse, fine, t2m), query, tag, AP and the ranks
    of the relevant tracks (what `add_intervals` resamples)."""
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
    out["same_artist"] = metrics.same_artist(vectors, ids, artist_units(tracks), both, scores=scores)
    if len(tracks) - 1 <= 100:  # every other track is in the top 100: the share is the pool's, not the system's
        out["same_artist"] = {k: v for k, v in out["same_artist"].items() if not k.endswith("@100")}
    if system.text_embed is not None:
        names = sorted({tag for t in tracks for tag in t.tags_coarse + t.tags_fine})
        texts = system.text_embed([template.format(tag=name) for name in names])
        out["t2m"] = metrics.t2m_by_tag(texts, names, vectors, ids, both, queries=rows["t2m"])
    if queries is not None:
        queries += [{"system": system.name, "level": level, **row} for level, found in rows.items() for row in found]
    return out


def artist_units(tracks: list[Track]) -> list[str]:
    """Each track's artist; a track without one is its own artist (never the same as another's)."""
    return [t.artist if t.artist else f"\0{t.id}" for t in tracks]


INTERVAL_KEYS = {"coarse": "m2m_coarse_map@100", "fine": "m2m_fine_map@100", "t2m": "t2m_map@10"}


def add_intervals(
    results: dict[str, dict[str, Any]], queries: list[dict], tracks: list[Track], reference: str,
    unit: str = "artist", draws: int = confidence.DRAWS,
) -> None:  # fmt: skip
    """Each system's `ci` and (but the reference's) `gain_ci` over `reference`, in place: paired
    bootstrap intervals over `unit` (`evaluation.confidence`), from the per-query rows of `score`."""
    position = {t.id: n for n, t in enumerate(tracks)}
    number = {a: n for n, a in enumerate(sorted(set(artist_units(tracks))))}
    units = [number[a] for a in artist_units(tracks)]  # the `song` and `query` units ignore these
    for name in results:
        results[name]["ci"], results[name]["gain_ci"] = {}, {}
    for level, key in INTERVAL_KEYS.items():
        by_system: dict[str, dict[tuple[str, str], float]] = {}
        for row in queries:
            if row["level"] == level:
                by_system.setdefault(row["system"], {})[(row["query"], row["tag"])] = row["ap"]
        if not by_system:
            continue
        order = sorted(next(iter(by_system.values())))
        if any(sorted(found) != order for found in by_system.values()):
            raise ValueError(f"{level}: the systems were scored on different queries")  # scoring's own slip
        tag_number = {tag: n for n, tag in enumerate(sorted({tag for _, tag in order}))}
        query_tags = [tag_number[tag] for _, tag in order]
        if level == "t2m":  # one query per tag, whatever the unit: the tags are resampled
            query_tracks, track_units, level_unit = list(range(len(order))), list(range(len(order))), "query"
            query_tags = [0] * len(order)
        else:
            query_tracks, track_units, level_unit = [position[q] for q, _ in order], units, unit
        aps = {name: np.array([found[k] for k in order]) for name, found in by_system.items()}
        ci, gains = confidence.paired_intervals(aps, query_tracks, query_tags, track_units, reference,
                                                level_unit, draws)  # fmt: skip
        for name, interval in ci.items():
            results[name]["ci"][key] = list(interval)
        for name, interval in gains.items():
            results[name]["gain_ci"][key] = list(interval)
    results[reference].pop("gain_ci", None)


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


COLUMN_INTERVALS = {"T2M mAP@10": "t2m_map@10", "M2M coarse mAP@100": "m2m_coarse_map@100",
                    "M2M fine mAP@100": "m2m_fine_map@100"}  # fmt: skip


def table_rows(results: dict[str, dict[str, Any]], intervals: bool = False) -> list[dict[str, Any]]:
    """One row per system, laid out like the paper's Table I; the share of queries with the same artist
    in the top 100 is left out when the pool holds 101 tracks or fewer (it cannot differ between systems).
    `intervals`: the headline cells as text with their 95% interval (`12.34 [10.1, 14.6]`)."""
    rows = []
    for name, r in results.items():
        t2m, sa = r.get("t2m") or {}, r.get("same_artist") or {}
        row = {
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
        if intervals:
            for column, key in COLUMN_INTERVALS.items():
                if row[column] is not None and key in r.get("ci", {}):
                    row[column] = f"{format_cell(row[column])} {format_interval(r['ci'][key])}"
        rows.append(row)
    if all(row["same artist in top 100"] is None for row in rows):  # a pool of 101 tracks or fewer
        rows = [{k: v for k, v in row.items() if k != "same artist in top 100"} for row in rows]
    return rows


def format_interval(interval: list[float] | tuple[float, float], signed: bool = False) -> str:
    """An interval in percent, one decimal: `[10.1, 14.6]` (`[+0.9, +2.6]` for a gain)."""
    spec = "+.1f" if signed else ".1f"
    return f"[{100 * interval[0]:{spec}}, {100 * interval[1]:{spec}}]"


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
    (for the same-artist share, lower is better), each M2M gain with its paired 95% interval (`gain_ci`)."""
    rows = {row["system"]: row for row in table_rows(results)}
    base = rows[reference]
    out = []
    for name, row in rows.items():
        if name == reference:
            continue
        gains = {"system": name, "vs": reference}
        for column in GAIN_COLUMNS:
            mine, theirs = row.get(column), base.get(column)
            gains[column] = None if mine is None or theirs is None else f"{100 * (mine - theirs):+.2f}"
            key = COLUMN_INTERVALS.get(column)
            if gains[column] is not None and key in results[name].get("gain_ci", {}):
                gains[column] += " " + format_interval(results[name]["gain_ci"][key], signed=True)
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
