"""Evaluation tags: rows of (song, level, tag) with levels coarse (genre, mood, scenario) and fine
(sub-genres). A song is named by `song_id` (a source's own id) or by `title` and `artist`."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.curation.songkey import song_key
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import open_text

LEVELS = ("coarse", "fine")


@dataclass
class TagIndex:
    by_id: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    by_key: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    rows: int = 0

    def find(self, source_id: str, key: str | None) -> dict[str, list[str]]:
        found = self.by_id.get(source_id) or (self.by_key.get(key) if key else None) or {}
        return {level: sorted(set(found.get(level, []))) for level in LEVELS}


def load_tags(path: Path, *, problems: list[str], strict: bool = False) -> TagIndex:
    if not path.is_file():
        raise UserError(f"{path}: tags file not found")
    index = TagIndex()
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    with open_text(path) as handle:
        for line, row in enumerate(csv.DictReader(handle, delimiter=delimiter), start=2):
            level, tag = (row.get("level") or "").strip(), (row.get("tag") or "").strip()
            song_id = (row.get("song_id") or row.get("song") or "").strip()
            title, artist = (row.get("title") or "").strip(), (row.get("artist") or "").strip()
            if level not in LEVELS or not tag or not (song_id or (title and artist)):
                error = InputFormatError(path, line, "needs level (coarse|fine), tag, and song_id or title+artist")
                if strict:
                    raise error
                problems.append(str(error))
                continue
            index.rows += 1
            if song_id:
                index.by_id[song_id][level].append(tag)
            if title and artist:
                index.by_key[song_key(title, artist)][level].append(tag)
    return index
