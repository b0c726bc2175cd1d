"""Audio inputs: a manifest (CSV/JSONL: path, title, artist, optional id) or a folder of files
(title and artist from tags, else from "Artist - Title" file names). Every file is probed with
soundfile; missing or undecodable files are listed, never fatal."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

from crossmusim.curation.songkey import song_key
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import iter_jsonl, open_text

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".aiff", ".aif"}


@dataclass
class AudioRef:
    path: Path
    title: str = ""
    artist: str = ""
    id: str = ""
    duration_s: float | None = None
    sample_rate: int | None = None

    @property
    def key(self) -> str | None:
        return song_key(self.title, self.artist) if self.title and self.artist else None


@dataclass
class AudioIndex:
    by_key: dict[str, AudioRef]
    by_id: dict[str, AudioRef]
    problems: list[dict[str, str]]  # {"path", "reason"}
    total: int
    unusable: dict[str, dict[str, str]] = field(default_factory=dict)  # id or song key -> its problem

    def find(self, source_id: str, key: str | None) -> AudioRef | None:
        if source_id and source_id in self.by_id:
            return self.by_id[source_id]
        return self.by_key.get(key) if key else None

    def problem_of(self, source_id: str, key: str | None) -> dict[str, str] | None:
        """The problem of the audio a text would pair with, when there is a file but it is unusable."""
        return self.unusable.get(source_id) or (self.unusable.get(key) if key else None)


def probe(ref: AudioRef) -> str | None:
    """Why the file cannot be used, or None (and fills duration and sample rate)."""
    if not ref.path.is_file():
        return "missing"
    try:
        info = sf.info(str(ref.path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        message = str(exc).splitlines()[0]
        if "Format not recognised" in message or "format not recognised" in message.lower():
            return "not an audio file"
        return f"undecodable: {message[:120]}"
    ref.duration_s, ref.sample_rate = round(float(info.duration), 3), int(info.samplerate)
    return None if info.frames > 0 else "empty"


def _from_tags(path: Path) -> tuple[str, str]:
    try:
        import mutagen

        tags = mutagen.File(path, easy=True)
    except Exception:  # noqa: BLE001 (any tag reader failure just means no tags)
        tags = None
    if tags:
        title, artist = (tags.get("title") or [""])[0], (tags.get("artist") or [""])[0]
        if title and artist:
            return title, artist
    stem = path.stem
    if " - " in stem:
        artist, _, title = stem.partition(" - ")
        return title.strip(), artist.strip()
    return stem, ""


def _manifest_rows(path: Path) -> list[tuple[str, dict | InputFormatError]]:
    """Rows of a CSV or JSONL manifest; a malformed JSONL line comes as its error (skipped and listed)."""
    if path.suffix.lower() == ".csv":
        with open_text(path) as handle:
            return [(f"{path}:{i}", row) for i, row in enumerate(csv.DictReader(handle), start=2)]
    return [(f"{path}:{i}", row) for i, row in iter_jsonl(path)]


def load_audio(spec: Path | None, *, strict: bool = False, extra: list[AudioRef] | None = None) -> AudioIndex:
    """The audio of a manifest or folder (`spec`), plus `extra` refs (a pairs file's), probed and indexed."""
    refs: list[AudioRef] = list(extra or [])
    problems: list[dict[str, str]] = []
    if spec is None:
        pass
    elif spec.is_dir():
        for path in sorted(p for p in spec.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
            title, artist = _from_tags(path)
            refs.append(AudioRef(path=path, title=title, artist=artist, id=path.stem))
    elif spec.is_file():
        for origin, row in _manifest_rows(spec):
            if isinstance(row, InputFormatError):
                if strict:
                    raise row
                problems.append({"path": "", "reason": str(row)})
                continue
            if not row.get("path"):
                if strict:
                    raise InputFormatError(origin, None, "audio manifest row without path")
                problems.append({"path": "", "reason": f"{origin}: no path"})
                continue
            path = Path(row["path"])
            path = path if path.is_absolute() else (spec.parent / path)
            refs.append(
                AudioRef(
                    path=path, title=row.get("title") or "", artist=row.get("artist") or "", id=str(row.get("id") or "")
                )
            )
    else:
        raise UserError(f"{spec}: audio manifest or folder not found")
    index = AudioIndex({}, {}, problems, len(refs))
    for ref in refs:
        reason = probe(ref)
        if reason is not None:
            problem = {"path": str(ref.path), "reason": reason}
            problems.append(problem)
            for name in (ref.id, ref.key):
                if name:
                    index.unusable.setdefault(name, problem)
            continue
        if ref.id:
            index.by_id.setdefault(ref.id, ref)
        if ref.key:
            index.by_key.setdefault(ref.key, ref)
    return index
