"""Chart tables saved as files: CSV, TSV, JSONL or Parquet, columns recognised by their header names."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import iter_table_rows, open_text
from crossmusim.songlists.cells import parse_year
from crossmusim.songlists.columns import ColumnMap, place_columns
from crossmusim.songlists.entries import ChartContext, ChartEntry, read_entries

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")


def _headers(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if suffix in (".csv", ".tsv"):
        with open_text(path) as handle:
            return next(csv.reader(handle, delimiter="\t" if suffix == ".tsv" else ","), [])
    seen: dict[str, None] = {}
    for _, row in iter_table_rows(path):  # JSONL: the keys of every record, in order of appearance
        if isinstance(row, dict):
            seen.update(dict.fromkeys(row))
    return list(seen)


def table_columns(path: Path) -> ColumnMap:
    """The file's column map; a file with no title or no artist column is a one-line error."""
    columns = place_columns(_headers(path))
    if not columns.has_songs():
        found = ", ".join(columns.unplaced) or "none"
        raise UserError(
            f"{path}: no {' or '.join(columns.missing())} column (columns: {found}); name them e.g. "
            "title/song/track/歌名 and artist/performer/歌手"
        )
    return columns


def file_entries(path: Path, dropped: Counter[str]) -> tuple[ColumnMap, Iterator[ChartEntry]]:
    """(the column map, the file's entries); the chart is the file's name, its year one in that name."""
    if not path.is_file():
        raise UserError(f"{path}: chart file not found")
    columns = table_columns(path)
    context = ChartContext(chart=path.stem, source=str(path), year=parse_year(path.stem))

    def rows() -> Iterator[dict]:
        for lineno, row in iter_table_rows(path):
            if isinstance(row, InputFormatError):
                dropped["malformed"] += 1
                continue
            if not isinstance(row, dict):
                raise InputFormatError(path, lineno, "expected one JSON object per line")
            yield row

    return columns, read_entries(rows(), columns, context, dropped)
