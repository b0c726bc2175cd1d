"""`report.html`: the table, the plots, and for a dozen sample queries each system's top-5
neighbours side by side with `<audio>` players (clips copied into `audio/`, linked relatively), so
that a person can listen to what "similar" means."""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.evaluation.metrics import rank
from crossmusim.evaluation.scoring import format_cell
from crossmusim.evaluation.whole_tracks import Track

SAMPLE_QUERIES, NEIGHBOURS = 12, 5


def sample_queries(tracks: list[Track], count: int = SAMPLE_QUERIES) -> list[int]:
    """Evenly spread over the tracks sorted by id: deterministic, and not all from one corner."""
    order = sorted(range(len(tracks)), key=lambda i: tracks[i].id)
    if len(order) <= count:
        return order
    return [order[int(round(x))] for x in np.linspace(0, len(order) - 1, count)]


def neighbours(vectors: np.ndarray, ids: list[str], query: int, k: int = NEIGHBOURS) -> list[int]:
    others = np.delete(np.arange(len(ids)), query)
    order = others[rank(vectors[others] @ vectors[query], [ids[i] for i in others])]
    return order[:k].tolist()


def copy_clip(track: Track, folder: Path) -> str | None:
    """The track's audio as `audio/<id><ext>` under the report; None when it has none."""
    suffix = Path(track.path).suffix or ".wav"
    name = f"{track.id}{suffix}"
    target = folder / "audio" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        if track.audio is not None:
            target.write_bytes(track.audio)
        elif track.file is not None and Path(track.file).is_file():
            shutil.copyfile(track.file, target)
        else:
            return None
    return f"audio/{name}"


def _cell(track: Track, clip: str | None, score: float | None = None) -> str:
    label = html.escape(" / ".join(x for x in (track.title, track.artist) if x) or track.id)
    tags = html.escape(", ".join(track.tags_coarse + track.tags_fine))
    player = f'<audio controls preload="none" src="{html.escape(clip)}"></audio>' if clip else ""
    extra = f' <span class="score">{score:.3f}</span>' if score is not None else ""
    return f'<div class="track"><b>{label}</b>{extra}<br><small>{tags}</small><br>{player}</div>'


def html_table(rows: list[dict[str, Any]]) -> str:
    """Rows as an HTML table; figures in percent, text cells (a figure with its interval) as they are."""
    head = list(rows[0]) if rows else []
    table = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = "".join(f"<td>{html.escape(format_cell(row.get(h)))}</td>" for h in head)
        table.append(f"<tr>{cells}</tr>")
    return "".join(table) + "</table>"


def write_html(
    folder: Path,
    rows: list[dict[str, Any]],
    gains: list[dict[str, Any]],
    plots: list[str],
    tracks: list[Track],
    system_vectors: dict[str, np.ndarray],
    notes: list[str],
) -> Path:
    ids = [t.id for t in tracks]
    reference = gains[0]["vs"] if gains else ""
    samples = []
    for q in sample_queries(tracks):
        columns = []
        for name, vectors in system_vectors.items():
            hits = neighbours(vectors, ids, q)
            cells = "".join(
                _cell(tracks[i], copy_clip(tracks[i], folder), float(vectors[i] @ vectors[q])) for i in hits
            )
            columns.append(f'<td><div class="system">{html.escape(name)}</div>{cells}</td>')
        query = _cell(tracks[q], copy_clip(tracks[q], folder))
        samples.append(f'<tr><td class="query">{query}</td>{"".join(columns)}</tr>')
    system_heads = "".join(f"<th>{html.escape(n)}: top {NEIGHBOURS}</th>" for n in system_vectors)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crossmusim evaluation</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; font-size: 14px; }}
th {{ background: #eef; }}
.track {{ margin: 4px 0; }} .score {{ color: #666; font-size: 12px; }}
.system {{ font-weight: bold; color: #335; }} .query {{ background: #ffd; }}
audio {{ width: 220px; height: 28px; }} img {{ max-width: 48%; margin: 4px; border: 1px solid #ddd; }}
</style></head><body>
<h1>crossmusim evaluation</h1>
<p>{"<br>".join(html.escape(n) for n in notes)}</p>
<h2>Results (percent, 95% interval)</h2>
{html_table(rows)}
{f"<h2>Gains over {html.escape(reference)} (points, paired 95% interval)</h2>" + html_table(gains) if gains else ""}
<h2>Plots</h2>
{"".join(f'<img src="{html.escape(p)}" alt="{html.escape(p)}">' for p in plots)}
<h2>Listen: sample queries and their nearest neighbours</h2>
<table><tr><th>query</th>{system_heads}</tr>
{"".join(samples)}
</table>
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
