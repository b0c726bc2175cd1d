"""Songs to describe, from CSV, JSONL or a crawl's songs.jsonl, checked and deduplicated.

Guards against hallucination start here: a song needs a title and an artist, and songs released
after `max_year` are left out (the method keeps to well-known songs up to 2020).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import open_text, read_jsonl
from crossmusim.records import RecordError, SongPage, SongRef, record_of

NO_SONGS = "{path} has no songs: give rows with title and artist (and album, year, id)"


@dataclass
class SongLoad:
    songs: list[SongRef]
    dropped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # "file:line: reason" of dropped rows


def song_key(title: str, artist: str) -> str:
    """Duplicate detection: width, case and spacing do not make another song."""

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()

    return f"{norm(artist)}\t{norm(title)}"


def _year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    match = re.match(r"\s*(\d{4})", str(value))
    return int(match.group(1)) if match else None


def _first(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value if v)
    return str(value or "").strip()


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() == ".csv":
        with open_text(path) as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise UserError(NO_SONGS.format(path=path))
            if "title" not in reader.fieldnames:
                raise InputFormatError(path, 1, "the CSV header needs at least title and artist columns")
            for lineno, row in enumerate(reader, start=2):
                yield lineno, row
    elif path.suffix.lower() in (".jsonl", ".json"):
        for lineno, row in enumerate(read_jsonl(path), start=1):
            yield lineno, row
    else:
        raise UserError(f"{path}: songs must be a .csv or .jsonl file (title, artist, optional album, year, id)")


def _song_fields(row: dict[str, Any]) -> tuple[str, str, str | None, int | None, str] | None:
    """(title, artist, album, year, id) of a crawl record (read as one) or of a user's row."""
    record = record_of(row)
    if isinstance(record, SongPage):
        title, artist, album, year, given_id = record.title, record.artist, record.album, record.year, record.song_id
    else:
        title, artist = _first(row.get("title")), _first(row.get("artist"))
        album, year, given_id = _first(row.get("album")), _year(row.get("year")), str(row.get("id") or "")
    if not title or not artist:
        return None
    return title, artist, album or None, year, given_id


def load_songs(path: Path, *, max_year: int | None = 2020, limit: int | None = None) -> SongLoad:
    """Read songs; crawl records (artists list, release_date, page_id) are understood as they are."""
    if path.is_dir():
        raise UserError(f"{path} is a folder: give the songs file (CSV or JSONL)")
    if not path.is_file():
        raise UserError(f"{path}: songs file not found")
    load = SongLoad(songs=[])
    seen: set[str] = set()
    for lineno, row in _rows(path):
        try:
            song = _song_fields(row)
        except RecordError:
            song = None
        if song is None:
            load.dropped["missing_title_or_artist"] += 1
            load.problems.append(f"{path}:{lineno}: needs both title and artist")
            continue
        title, artist, album, year, given_id = song
        if max_year is not None and year is not None and year > max_year:
            load.dropped["after_max_year"] += 1
            continue
        key = song_key(title, artist)
        if key in seen:
            load.dropped["duplicate"] += 1
            continue
        seen.add(key)
        song_id = given_id or hashlib.sha1(key.encode()).hexdigest()[:12]
        load.songs.append(SongRef(id=song_id, title=title, artist=artist, album=album, year=year))
        if limit is not None and len(load.songs) >= limit:
            break
    if not load.songs and not load.dropped:
        raise UserError(NO_SONGS.format(path=path))
    return load
