"""Evaluation tags: rows of (song, level, tag) with levels coarse (genre, mood, scenario) and fine
(sub-genres). A song is named by `song_id` (a source's own id) or by `title` and `artist`.
The 4Q emotion dataset's `metadata.csv` is read as a tag file too (`four_q_tags`)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.curation.songkey import song_key
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import open_text

LEVELS = ("coarse", "fine")
TAG_FORMATS = (  # what `--tags` reads, in build-dataset and in evaluate
    "id,level,tag rows (id may be song_id, or title+artist), a 4Q metadata.csv, an MTG-Jamendo TSV, "
    "a MusicCaps CSV or a MuChin folder"
)
FOUR_Q_COLUMNS = ("Song", "Artist", "Quadrant", "MoodsStrSplit", "GenresStr")


def four_q_tags(row: dict[str, str]) -> tuple[list[str], list[str]]:
    """A 4Q metadata row's tags: coarse = its AllMusic genres and its quadrant (Q1-Q4), fine = its
    AllMusic moods (`; `-separated, as published)."""

    def split(cell: str | None) -> list[str]:
        return [t.strip() for t in (cell or "").split(";") if t.strip()]

    quadrant = (row.get("Quadrant") or "").strip()
    return split(row.get("GenresStr")) + ([quadrant] if quadrant else []), split(row.get("MoodsStrSplit"))


@dataclass
class TagIndex:
    by_id: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    by_key: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    rows: int = 0

    def unknown(self, ids: set[str], keys: set[str]) -> list[str]:
        """The songs this tag file names (by id, or title and artist) that are not among `ids`/`keys`."""
        return sorted(set(self.by_id) - ids) + sorted(set(self.by_key) - keys)

    def find(self, source_id: str, key: str | None) -> dict[str, list[str]]:
        found = self.by_id.get(source_id) or (self.by_key.get(key) if key else None) or {}
        return {level: sorted(set(found.get(level, []))) for level in LEVELS}


def load_tags(path: Path, *, problems: list[str], strict: bool = False) -> TagIndex:
    if not path.is_file():
        raise UserError(f"{path}: tags file not found")
    index = TagIndex()
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    with open_text(path) as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if set(FOUR_Q_COLUMNS) <= set(reader.fieldnames or []):
            for row in reader:
                coarse, fine = four_q_tags(row)
                index.by_id[row["Song"].strip()].update(coarse=coarse, fine=fine)
                index.rows += 1
            return index
        bad = 0
        for line, row in enumerate(reader, start=2):
            level, tag = (row.get("level") or "").strip(), (row.get("tag") or "").strip()
            song_id = (row.get("song_id") or row.get("id") or row.get("song") or "").strip()
            title, artist = (row.get("title") or "").strip(), (row.get("artist") or "").strip()
            if level not in LEVELS or not tag or not (song_id or (title and artist)):
                error = InputFormatError(path, line, "needs level (coarse|fine), tag, and song_id or title+artist")
                if strict:
                    raise error
                problems.append(str(error))
                bad += 1
                continue
            index.rows += 1
            if song_id:
                index.by_id[song_id][level].append(tag)
            if title and artist:
                index.by_key[song_key(title, artist)][level].append(tag)
    if bad > index.rows:  # mostly unreadable: another format, not a few bad rows
        raise UserError(f"--tags {path}: {bad} of its {bad + index.rows} rows are not tags; it reads {TAG_FORMATS}")
    return index
