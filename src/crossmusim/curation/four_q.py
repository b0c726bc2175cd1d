"""The 4Q emotion dataset's clips as a pairs input (`--open 4q=FOLDER`): each clip's AllMusic moods
and genres written as editorial tag text, an aspects list ("Circular; Greasy; Country") and one
templated sentence ("A circular, greasy and messy country track."). This is tag text, not free
description. The audio is linked where it lies (`FOLDER/audio/<Song>.ogg`), never copied; the tags
come from the same `FOLDER/metadata.csv` (`--tags FOLDER/metadata.csv`)."""

from __future__ import annotations

import csv
from pathlib import Path

from crossmusim.curation.tags import four_q_tags
from crossmusim.errors import UserError

SOURCE = "4q"


def sentence(moods: list[str], genres: list[str]) -> str:
    """One caption from a clip's AllMusic tags: "A circular, greasy and messy country track."."""

    def listed(words: list[str]) -> str:
        words = [w.lower() for w in words]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    mood = listed(moods) + " " if moods else ""
    return f"A {mood}{listed(genres) if genres else 'music'} track."


def tag_text_rows(folder: Path) -> dict[str, tuple[dict[str, str], list[dict[str, str]]]]:
    """Per clip id: its pairs-row base (audio path absolute) and its two tag-text rows (aspects, caption)."""
    metadata = Path(folder) / "metadata.csv"
    if not metadata.is_file():
        raise UserError(f"--open 4q={folder}: no metadata.csv there (give the 4Q dataset's folder)")
    found = {}
    with metadata.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            coarse, moods = four_q_tags(row)
            genres = [g for g in coarse if g != row["Quadrant"].strip()]
            base = {"audio": str((Path(folder) / "audio" / f"{row['Song']}.ogg").resolve()), "title": row["Title"],
                    "artist": row["Artist"], "id": row["Song"], "language": "en"}  # fmt: skip
            found[row["Song"]] = base, [{**base, "text": "; ".join(moods + genres), "type": "aspects"},
                                        {**base, "text": sentence(moods, genres), "type": "caption"}]  # fmt: skip
    return found


def tag_text_pairs(folder: Path) -> list[dict[str, str]]:
    """Every clip's two tag-text rows, in metadata order: the pairs `--open 4q=FOLDER` reads."""
    return [row for _, clip_rows in tag_text_rows(folder).values() for row in clip_rows]
