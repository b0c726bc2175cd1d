"""Chart entries: one row of one chart (a table file, an HTML table, an artist's works list), read through
its column map, with the rows that cannot be a song counted by reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crossmusim.songlists.cells import billed_credit, cell_titles, clean_cell, credits, parse_rank, parse_year
from crossmusim.songlists.columns import ColumnMap

ARTIST_PAGE = "artist-page"


@dataclass(frozen=True)
class ChartEntry:
    title: str
    artist: str  # the billed credit
    artists: tuple[str, ...]  # every credited name
    year: int | None
    rank: int | None
    chart: str  # the list it is on: a chart and year, or 'artist-page: NAME'
    source: str  # the file or URL it came from


@dataclass(frozen=True)
class ChartContext:
    """What a table's rows share: the chart's name, its year when the rows give none, where it came from."""

    chart: str
    source: str
    year: int | None = None


def _cell(row: Any, key: str | int | None) -> Any:
    if key is None:
        return None
    value = row.get(key) if isinstance(row, dict) else (row[key] if isinstance(key, int) and key < len(row) else None)
    if isinstance(value, list | tuple):  # JSONL credits as a list: ["A", "B"]
        return ", ".join(str(v) for v in value if v)
    return value


def read_entries(
    rows: Iterable[Any], columns: ColumnMap, context: ChartContext, dropped: Counter[str]
) -> Iterator[ChartEntry]:
    """Entries of the rows (dicts by header, or lists by position); rows without a title or an artist
    are counted in `dropped` as `no_title` / `no_artist`, never raised."""
    get = columns.columns.get
    for row in rows:
        titles = cell_titles(_cell(row, get("title")))
        artist_cell = clean_cell(_cell(row, get("artist")))
        if not titles:
            dropped["no_title"] += 1
            continue
        if not artist_cell:
            dropped["no_artist"] += 1
            continue
        chart_cell = clean_cell(_cell(row, get("chart")))
        year = parse_year(_cell(row, get("year"))) or parse_year(chart_cell) or context.year
        chart = chart_cell or context.chart
        if year is not None and not chart.startswith(ARTIST_PAGE) and parse_year(chart) is None:
            chart = f"{chart} {year}"  # each year of a chart is a listing of its own
        for title in titles:
            yield ChartEntry(
                title=title,
                artist=billed_credit(artist_cell),
                artists=tuple(credits(artist_cell)),
                year=year,
                rank=parse_rank(_cell(row, get("rank"))),
                chart=chart,
                source=context.source,
            )
