"""Bring your own pairs: a CSV, JSONL or Parquet file of curated text-audio pairs (`--open pairs=FILE`).

Columns: `audio` (a path, absolute or relative to the file's folder), `text`, `type` (`caption`,
`aspects` or `lyrics`; an `aspects` text is a keyword list separated by `,` or `;`; any other type
stops the build on its line: a curated file's typo is never data to drop), optional `title`,
`artist` (either may be empty: a song without an artist is its own artist), `language` and `id`.
Rows naming the same audio file are one song. Its `id` is its `song_id` in both configs (so
`--tags`, `evaluate --queries` and `search --id` name it by the user's own id); a song whose rows
give no id gets a digest of its file's path. Two audio files with one id, or one file with two ids,
stop the build naming both lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.curation.audio import AudioRef
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import iter_table_rows
from crossmusim.records import TextRecord

SOURCE = "pairs"  # curated text: the web-text filters leave it alone unless --filters names them
PAIRS_INPUTS = ("pairs", "4q")  # the --open names read as pairs: a pairs file, the 4Q dataset's tag text
REQUIRED = ("audio", "text", "type")
OPTIONAL = ("title", "artist", "language", "id")
TYPES = ("caption", "aspects", "lyrics")


def keywords(text: str) -> list[str]:
    """An aspects cell: keywords separated by `;` (when there is one) or `,`."""
    separator = ";" if ";" in text else ","
    return [word.strip() for word in text.split(separator) if word.strip()]


def _columns(path: Path) -> set[str]:
    """The columns a pairs file has (a Parquet schema, a CSV header, the first JSONL row's keys)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return set(pq.read_schema(path).names)
    rows = iter_table_rows(path)
    try:
        first = next(rows, None)
    finally:
        rows.close()  # the file is closed now, not when the generator is collected
    return set(first[1]) if first and isinstance(first[1], dict) else set()


@dataclass
class PairsFile:
    """A pairs file read once: its texts as `TextRecord`s and its audio files as `AudioRef`s."""

    path: Path
    records: list[TextRecord | InputFormatError] = field(default_factory=list)
    audio: list[AudioRef] = field(default_factory=list)
    missing_audio: list[str] = field(default_factory=list)  # "file:line: path"
    lines: dict[str, int] = field(default_factory=dict)  # song id -> the line that named its file first

    @classmethod
    def from_rows(cls, origin: Path, rows: list[dict[str, Any]]) -> PairsFile:
        """Pairs made in code (`--open 4q=FOLDER`), read exactly as a file of the same rows would be."""
        pairs = cls(origin)
        ids_of: dict[Path, tuple[str, int]] = {}
        owner: dict[str, tuple[Path, int]] = {}
        for line, row in enumerate(rows, 2):  # the line a CSV of these rows would give
            pairs._add(line, row, ids_of, owner)
        return pairs

    @classmethod
    def read(cls, path: Path) -> PairsFile:
        if not path.is_file():
            raise UserError(f"--open pairs={path}: no such file")
        missing = [name for name in REQUIRED if name not in _columns(path)]
        if missing:
            raise UserError(
                f"{path}: a pairs file needs the columns {', '.join(REQUIRED)}: {', '.join(missing)} missing "
                f"(add them; {', '.join(OPTIONAL)} are optional)"
            )
        pairs = cls(path)
        ids_of: dict[Path, tuple[str, int]] = {}
        owner: dict[str, tuple[Path, int]] = {}
        for line, row in iter_table_rows(path):
            if isinstance(row, InputFormatError):
                pairs.records.append(row)
                continue
            pairs._add(line, row, ids_of, owner)
        return pairs

    def _add(
        self, line: int, row: dict[str, Any], ids_of: dict[Path, tuple[str, int]], owner: dict[str, tuple[Path, int]]
    ) -> None:
        cell = {name: str(row.get(name) or "").strip() for name in (*REQUIRED, *OPTIONAL)}
        if cell["type"] and cell["type"] not in TYPES:  # a curated file: a typo is never data to drop
            raise InputFormatError(self.path, line, f"type {cell['type']!r} is not one of {', '.join(TYPES)}",
                                   "fix the type column; nothing was built")  # fmt: skip
        if not cell["audio"] or not cell["text"] or cell["type"] not in TYPES:
            self.records.append(
                InputFormatError(self.path, line, f"needs audio, text and a type of {', '.join(TYPES)}")
            )
            return
        audio = Path(cell["audio"]).expanduser()
        audio = audio if audio.is_absolute() else self.path.parent / audio
        song, first_line = ids_of.get(audio, ("", 0))
        if not song:
            song = cell["id"] or path_song_id(audio)
            if song in owner:  # ids name songs everywhere after this: one id, one recording
                other, other_line = owner[song]
                raise InputFormatError(self.path, line, f"id {song!r} is already line {other_line}'s, for {other}",
                                       "give every audio file its own id; nothing was built")  # fmt: skip
            ids_of[audio], owner[song], self.lines[song] = (song, line), (audio, line), line
            self.audio.append(AudioRef(path=audio, title=cell["title"], artist=cell["artist"], id=song))
            if not audio.is_file():
                self.missing_audio.append(f"{self.path}:{line}: {cell['audio']}")
        elif cell["id"] and cell["id"] != song:
            raise InputFormatError(self.path, line, f"{audio.name} has the id {song!r} on line {first_line}, here "
                                   f"{cell['id']!r}", "give one id per audio file; nothing was built")  # fmt: skip
        aspects = keywords(cell["text"]) if cell["type"] == "aspects" else []
        self.records.append(
            TextRecord(
                source=SOURCE,
                source_id=song,
                text_type=cell["type"],
                text="" if aspects else cell["text"],
                aspects=aspects,
                title=cell["title"],
                artist=cell["artist"],
                language=cell["language"],
                origin=f"{self.path}:{line}",
            )
        )

    def check_audio(self) -> None:
        """Every audio path must exist: a wrong folder is the usual cause, and nothing is built."""
        if self.missing_audio:
            more = f" and {len(self.missing_audio) - 1} more" if len(self.missing_audio) > 1 else ""
            raise UserError(
                f"{self.missing_audio[0]} does not exist{more}: fix the audio paths "
                f"(relative ones are read from {self.path.parent})"
            )


def path_song_id(audio: Path) -> str:
    """The song id of an audio file whose rows give no id: a digest of its resolved path."""
    digest = hashlib.sha1(str(audio.resolve()).encode()).hexdigest()[:12]
    return "s" + hashlib.sha1(f"{SOURCE}:audio-{digest}".encode()).hexdigest()[:12]  # the ids of earlier builds


def read_pairs_inputs(specs: list[str]) -> list[PairsFile]:
    """The `--open` inputs that are pairs: `pairs=FILE` and `4q=FOLDER` (its tag text as pairs); one id names
    one recording across them all."""
    found: list[PairsFile] = []
    for spec in specs:
        name, _, value = spec.partition("=")
        if name == SOURCE:
            found.append(PairsFile.read(Path(value)))
        elif name == "4q":
            from crossmusim.curation.four_q import tag_text_pairs

            found.append(PairsFile.from_rows(Path(value) / "metadata.csv", tag_text_pairs(Path(value))))
    first: dict[str, tuple[AudioRef, PairsFile]] = {}
    for pairs in found:
        for ref in pairs.audio:
            earlier, where = first.setdefault(ref.id, (ref, pairs))
            if earlier.path != ref.path:
                raise InputFormatError(pairs.path, pairs.lines[ref.id], f"id {ref.id!r} is already "
                                       f"{where.path}:{where.lines[ref.id]}'s, for {earlier.path}",
                                       "give every audio file its own id; nothing was built")  # fmt: skip
    return found
