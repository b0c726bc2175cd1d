"""Texts to extract aspects from: generate's descriptions.jsonl, crawl's songs.jsonl, or id+text rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import read_jsonl
from crossmusim.records import TextUnit

CRAWL_FIELDS = ("review", "background")


def _from_record(row: dict, path: Path, lineno: int) -> Iterator[TextUnit]:
    if "song_id" in row and "status" in row:  # generate's output: described songs only
        if row["status"] == "described" and row.get("description"):
            yield TextUnit(str(row["song_id"]), "description", row["description"])
    elif "canonical_url" in row:  # crawl's output: the review and background sections
        song_id = str(row.get("page_id") or row["canonical_url"])
        for name in CRAWL_FIELDS:
            if (row.get(name) or "").strip():
                yield TextUnit(song_id, name, row[name])
    elif "text" in row and "id" in row:
        if str(row["text"]).strip():
            yield TextUnit(str(row["id"]), str(row.get("field") or "text"), str(row["text"]))
    else:
        raise InputFormatError(path, lineno, "not a description, a crawled song or an id+text row",
                               "give crossmusim's descriptions.jsonl or songs.jsonl, or rows with id and text")


def load_texts(path: Path) -> list[TextUnit]:
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    units: list[TextUnit] = []
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for lineno, row in enumerate(csv.DictReader(handle), start=2):
                units += _from_record(row, path, lineno)
    else:
        for lineno, row in enumerate(read_jsonl(path), start=1):
            units += _from_record(row, path, lineno)
    return units
