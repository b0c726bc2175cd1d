"""Chart pages: every table of an HTML page whose header names a title column and an artist column
(the encyclopedias' year-end lists, the Chinese encyclopedia's chart tables)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from crossmusim.crawlers.parsing.tables import HtmlTable, parse_tables
from crossmusim.songlists.cells import parse_year
from crossmusim.songlists.columns import ColumnMap, place_columns
from crossmusim.songlists.entries import ChartContext, ChartEntry, read_entries

HEADER_SEARCH_ROWS = 3  # a header may sit under a title row spanning the table


@dataclass
class PageTables:
    """A page's chart tables: their entries, and what was passed over (for the summary)."""

    title: str
    entries: list[ChartEntry] = field(default_factory=list)
    tables_read: int = 0
    tables_skipped: int = 0  # tables without a title and an artist column (navigation boxes, albums)
    unplaced: list[str] = field(default_factory=list)


def _header(table: HtmlTable) -> tuple[int, ColumnMap] | None:
    for position, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        columns = place_columns(row, by_position=True)
        if columns.has_songs():
            return position, columns
    return None


def _chart_name(page_title: str, table: HtmlTable, several: bool) -> str:
    name = page_title.split("_")[0].split(" - ")[0].strip() or "page"
    if several:
        part = table.context or f"table {table.index + 1}"
        name = name if part in name else f"{name}: {part}"
    return name


def _body(table: HtmlTable, start: int, header: list[str]) -> Iterator[list[str]]:
    for row, is_header in zip(table.rows[start:], table.header_cells[start:], strict=True):
        if is_header or row == header:  # a header repeated further down a long table
            continue
        yield row


def page_entries(html: str, source: str, dropped: Counter[str]) -> PageTables:
    """Entries of every song table of the page; a table's year is its year column's, else one in its
    caption or heading, else one in the page's title."""
    page = parse_tables(html)
    found = [(t, h) for t in page.tables if (h := _header(t)) is not None]
    result = PageTables(title=page.title, tables_skipped=len(page.tables) - len(found))
    for table, (position, columns) in found:
        year = parse_year(table.context) or parse_year(page.title)
        context = ChartContext(chart=_chart_name(page.title, table, len(found) > 1), source=source, year=year)
        header = table.rows[position]
        result.entries += read_entries(_body(table, position + 1, header), columns, context, dropped)
        result.unplaced += [c for c in columns.unplaced if c not in result.unplaced]
        result.tables_read += 1
    return result
