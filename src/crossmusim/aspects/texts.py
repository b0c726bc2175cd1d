"""Texts to extract aspects from: generate's descriptions.jsonl, crawl's songs.jsonl, or id+text rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import open_text, read_jsonl
from crossmusim.records import Description, RecordError, SongPage, TextUnit, record_of

CRAWL_FIELDS = ("review", "background")


def _from_record(row: dict, path: Path, lineno: int) -> Iterator[TextUnit]:
    try:
        record = record_of(row)
    except RecordError as exc:
        raise InputFormatError(path, lineno, str(exc), "give crossmusim's own output as it was written") from None
    if isinstance(record, Description):  # generate's output: described songs only
        if record.status == "described" and record.description:
            yield TextUnit(str(record.song_id), "description", record.description)
    elif isinstance(record, SongPage):  # crawl's output: the review and background sections
        for name in CRAWL_FIELDS:
            text = getattr(record, name) or ""
            if text.strip():
                yield TextUnit(record.song_id, name, text)
    elif record is None and "text" in row and "id" in row:
        if str(row["text"]).strip():
            yield TextUnit(str(row["id"]), str(row.get("field") or "text"), str(row["text"]))
    else:
        raise InputFormatError(
            path,
            lineno,
            "not a description, a crawled song or an id+text row",
            "give crossmusim's descriptions.jsonl or songs.jsonl, or rows with id and text",
        )


def load_texts(path: Path) -> list[TextUnit]:
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a file (descriptions.jsonl, songs.jsonl, or id+text rows)")
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    units: list[TextUnit] = []
    if path.suffix.lower() == ".csv":
        with open_text(path) as handle:
            for lineno, row in enumerate(csv.DictReader(handle), start=2):
                units += _from_record(row, path, lineno)
    else:
        for lineno, row in enumerate(read_jsonl(path), start=1):
            units += _from_record(row, path, lineno)
    if not units:
        raise UserError(
            f"{path} has no texts: give descriptions, crawled songs with review or background, or id+text rows"
        )
    return units
