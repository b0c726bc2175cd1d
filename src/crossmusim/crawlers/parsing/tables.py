"""Every HTML table of a page as a grid of cell texts, with rowspans and colspans filled in.

A cell spanning rows or columns is repeated in each position it covers, as a reader sees it: a chart
page that writes an artist once for two consecutive singles gives that artist to both rows. Cell text
is visible text (`html.node_text`: reference marks such as `<sup>[1]</sup>` are left out). Each table
keeps the text that names it: its `<caption>`, else the nearest heading before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from crossmusim.crawlers.parsing.html import node_text

_HEADINGS = "h1 or self::h2 or self::h3 or self::h4 or self::h5"
_MAX_SPAN = 1000  # a malformed span (rowspan="99999") must not build a huge grid


@dataclass
class HtmlTable:
    index: int  # position among the page's tables, from 0
    rows: list[list[str]]  # every row padded to the same width
    header_cells: list[bool]  # per row: all its cells are <th>
    context: str  # caption, else the nearest heading before the table ('' when none)


@dataclass
class HtmlPage:
    title: str  # <title>, else the first <h1>
    tables: list[HtmlTable]


def _span(cell: etree._Element, name: str) -> int:
    try:
        return max(1, min(int((cell.get(name) or "1").strip() or 1), _MAX_SPAN))
    except ValueError:
        return 1


def _cell_text(cell: etree._Element) -> str:
    return " ".join(node_text(cell).split())


def _own_rows(table: etree._Element) -> list[etree._Element]:
    """The table's rows, not those of a table nested in one of its cells."""
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def table_grid(table: etree._Element) -> tuple[list[list[str]], list[bool]]:
    """(rows of cell texts with spans filled in, whether each row is all header cells)."""
    grid: list[dict[int, str]] = []
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)
    header_rows: list[bool] = []
    for tr in _own_rows(table):
        row: dict[int, str] = {}
        for column, (left, text) in list(pending.items()):
            row[column] = text
            pending[column] = (left - 1, text)
            if left - 1 == 0:
                del pending[column]
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        column = 0
        for cell in cells:
            while column in row:
                column += 1
            text, rowspan, colspan = _cell_text(cell), _span(cell, "rowspan"), _span(cell, "colspan")
            for offset in range(colspan):
                row[column + offset] = text
                if rowspan > 1:
                    pending[column + offset] = (rowspan - 1, text)
            column += colspan
        grid.append(row)
        header_rows.append(bool(cells) and all(c.tag == "th" for c in cells))
    width = max((max(r) + 1 for r in grid if r), default=0)
    return [[r.get(i, "") for i in range(width)] for r in grid], header_rows


def _context(table: etree._Element) -> str:
    caption = table.xpath("./caption")
    if caption:
        return _cell_text(caption[0])
    heading = table.xpath(f"preceding::*[self::{_HEADINGS}][1]")
    return _cell_text(heading[0]) if heading else ""


def parse_tables(html: str) -> HtmlPage:
    """The page's title and each of its tables (nested tables count as tables of their own)."""
    if not html.strip():
        return HtmlPage(title="", tables=[])
    root = lxml_html.document_fromstring(html)
    title = root.xpath("string(//title)").strip() or root.xpath("string(//h1)").strip()
    tables = []
    for index, table in enumerate(root.iter("table")):
        rows, header_rows = table_grid(table)
        if rows:
            tables.append(HtmlTable(index=index, rows=rows, header_cells=header_rows, context=_context(table)))
    return HtmlPage(title=" ".join(title.split()), tables=tables)
