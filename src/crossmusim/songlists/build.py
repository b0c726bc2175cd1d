"""`crossmusim songs`: chart tables, chart pages and artists' pages in; one CSV of songs out, the file
`generate --songs` reads, with a report of what came in, merged and was left out."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.io import atomic_output, atomic_write_json, read_text
from crossmusim.songlists.artist_pages import artist_entries
from crossmusim.songlists.config import SongsConfig
from crossmusim.songlists.entries import ChartEntry
from crossmusim.songlists.html_tables import page_entries
from crossmusim.songlists.merge import COLUMNS, merge_entries, select_songs
from crossmusim.songlists.sources import ChartSource, chart_sources, fetch, read_artists
from crossmusim.songlists.table_files import file_entries


def report_path(out: Path) -> Path:
    return out.with_name(out.stem + ".report.json")


def _source_entries(source: ChartSource, html: str | None, dropped: Counter[str], config: SongsConfig) -> list:
    if source.kind == "table":
        columns, entries = file_entries(Path(source.name), dropped)
        found = list(entries)
        unplaced = columns.unplaced
    else:
        page = page_entries(html or "", source.name, dropped)
        if not page.tables_read:
            what = f"{page.tables_skipped} table(s), none" if page.tables_skipped else "no table at all, so none"
            raise UserError(
                f"{source.name}: {what} with a title and an artist column (an empty or script-built page?); "
                "save the page as your browser shows it and give that file"
            )
        found, unplaced = page.entries, page.unplaced
    if unplaced:
        config.notes.append(f"{source.name}: columns not used: {', '.join(unplaced)}")
    return found


def build_song_list(config: SongsConfig) -> dict[str, Any]:
    """Read, merge, filter and write; return the report (also written beside the CSV)."""
    if config.out.suffix.lower() != ".csv":
        raise UserError(f"--out {config.out}: the song list is a .csv file (what generate --songs reads)")
    sources = chart_sources(config.charts)
    artists = read_artists(config.artists) if config.artists else []
    if not sources and not artists:
        raise UserError("give at least one --chart (a table file, an HTML page or a URL) or --artists FILE")
    fetched = fetch(config, [s.name for s in sources if s.kind == "url"], artists)
    dropped: Counter[str] = Counter()
    entries: list[ChartEntry] = []
    per_source = []
    for source in sources:
        html = read_text(source.name) if source.kind == "page" else fetched.html.get(source.name)
        found = _source_entries(source, html, dropped, config)
        per_source.append({"source": source.name, "kind": source.kind, "entries": len(found)})
        entries += found
    artist_counts: Counter[str] = Counter(not_found=len(fetched.artists_not_found), failed=len(fetched.artist_failures))
    for page in fetched.artist_pages:
        found = artist_entries(page.html, page.url, page.artist or "", dropped)
        artist_counts["pages" if found else "pages_without_works"] += 1
        per_source.append({"source": page.url, "kind": "artist-page", "artist": page.artist, "entries": len(found)})
        entries += found
    songs, came_in = merge_entries(entries)
    kept, left_out = select_songs(songs, max_year=config.max_year, min_charts=config.min_charts, top=config.top)
    with atomic_output(config.out) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(song.row() for song in kept)
    report = {
        "out": str(config.out),
        "entries_in": came_in,
        "entries_dropped": dict(dropped),
        "songs": len(songs),
        "merged": came_in - len(songs),
        "left_out": dict(left_out),
        "written": len(kept),
        "filters": {"max_year": config.max_year, "min_charts": config.min_charts, "top": config.top},
        "sources": per_source,
        "artists": {"asked": len(artists), **artist_counts},
        "artists_not_found": fetched.artists_not_found,
        "artist_failures": [{"artist": f.artist, "url": f.url, "reason": f.reason} for f in fetched.artist_failures],
        "notes": config.notes,
    }
    atomic_write_json(report_path(config.out), report)
    return report


def format_summary(report: dict[str, Any]) -> str:
    left = report["left_out"]
    parts = [f"{report['entries_in']} chart entries came in", f"{report['merged']} merged into songs listed elsewhere",
             f"{report['songs']} songs"]  # fmt: skip
    if report["entries_dropped"]:
        parts.append(
            "rows without a song: " + ", ".join(f"{k} {v}" for k, v in sorted(report["entries_dropped"].items()))
        )
    filters = report["filters"]
    names = {
        "after_max_year": f"after {filters['max_year']}",
        "below_min_charts": f"on fewer than {filters['min_charts']} lists",
        "beyond_top": f"beyond --top {filters['top']}",
    }
    if left:
        parts.append("left out: " + ", ".join(f"{v} {names[k]}" for k, v in left.items()))
    artists = report["artists"]
    if artists["asked"]:
        parts.append(f"artists: {artists.get('pages', 0)} of {artists['asked']} pages read, "
                     f"{artists.get('not_found', 0)} not found, {artists.get('failed', 0)} failed")  # fmt: skip
    return f"songs: {'; '.join(parts)}; wrote {report['written']} to {report['out']}"
