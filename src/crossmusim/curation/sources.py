"""Readers of every text source, each yielding `TextRecord`s; a malformed row raises
`InputFormatError` naming file and line (the pipeline skips and counts it, or stops with --strict).

crossmusim's own outputs: crawl `songs.jsonl` (review/background captions, lyrics), generate
`descriptions.jsonl`, aspects `aspects.jsonl`. Open datasets by their published formats: MusicCaps
CSV (`ytid`, `caption`, `aspect_list`), WikiMuTe CSV (`aspects`, `sentences`), Song Describer CSV
(`caption_id`, `track_id`, `caption`, `artist_id`, `path`), MuChin (`meta_info` + description JSON).
"""

from __future__ import annotations

import ast
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import iter_jsonl, open_text
from crossmusim.records import AspectRecord, Description, RecordError, SongPage, TextRecord

R = TypeVar("R")
Reader = Callable[[Path], Iterator["TextRecord | InputFormatError"]]


@dataclass
class SongInfo:
    title: str
    artist: str
    album: str = ""
    title_aliases: tuple[str, ...] = ()


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict | InputFormatError]]:
    """Rows of a JSONL input; a malformed line comes as its error, for the pipeline to skip and count."""
    yield from iter_jsonl(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    with open_text(path) as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def _list_cell(value: str) -> list[str]:
    """A list column: a Python/JSON list literal, or text separated by ; or ,."""
    value = (value or "").strip()
    if not value:
        return []
    if value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = json.loads(value)
        return [str(x).strip() for x in parsed if str(x).strip()]
    separator = ";" if ";" in value else ","
    return [x.strip() for x in value.split(separator) if x.strip()]


def _record(cls: type[R], row: dict) -> R | None:
    try:
        return cls.from_dict(row)  # type: ignore[attr-defined]
    except RecordError:
        return None


def read_crawl(path: Path) -> Iterator[TextRecord | InputFormatError]:
    path = path / "songs.jsonl" if path.is_dir() else path
    for line, row in _jsonl_rows(path):
        if isinstance(row, InputFormatError):
            yield row
            continue
        page = _record(SongPage, row)
        if page is None or not page.title:
            yield InputFormatError(path, line, "not a crawled song (needs canonical_url and title)")
            continue
        base = dict(
            source="cwe",
            source_id=page.song_id,
            title=page.title,
            artist=page.artist,
            album=page.album or "",
            title_aliases=[a for a in [page.foreign_title, *page.aliases] if a],
            origin=f"{path}:{line}",
        )
        for field_name in ("review", "background"):
            text = getattr(page, field_name) or ""
            if text.strip():
                yield TextRecord(text_type="caption", text=text, **base)
        if (page.lyrics or "").strip():
            yield TextRecord(text_type="lyrics", text=page.lyrics, **base)


def read_generated(path: Path) -> Iterator[TextRecord | InputFormatError]:
    path = path / "descriptions.jsonl" if path.is_dir() else path
    for line, row in _jsonl_rows(path):
        if isinstance(row, InputFormatError):
            yield row
            continue
        described = _record(Description, row)
        if described is None or not described.title or not described.artist:
            yield InputFormatError(path, line, "not a generated description (needs song_id, status, title, artist)")
            continue
        yield TextRecord(
            source=f"llm:{described.model or 'unknown'}",
            source_id=str(described.song_id),
            text_type="caption",
            text=described.description or "",
            title=described.title,
            artist=described.artist,
            album=described.album or "",
            status=described.status,
            fact_check=described.fact_check,
            genre_check=described.genre_check,
            origin=f"{path}:{line}",
        )


def read_aspects(path: Path, songs: dict[str, SongInfo]) -> Iterator[TextRecord | InputFormatError]:
    """Aspects name songs by id; titles and artists come from the crawl/generated inputs."""
    path = path / "aspects.jsonl" if path.is_dir() else path
    for line, row in _jsonl_rows(path):
        if isinstance(row, InputFormatError):
            yield row
            continue
        record = _record(AspectRecord, row)
        if record is None:
            yield InputFormatError(path, line, "not an aspects record (needs id, field, lang, aspects, extractor)")
            continue
        if record.status != "ok":
            continue
        info = songs.get(str(record.id))
        yield TextRecord(
            source=f"aspects:{record.extractor}",
            source_id=str(record.id),
            text_type="aspects",
            text="",
            aspects=list(record.aspects),
            title=info.title if info else "",
            artist=info.artist if info else "",
            album=info.album if info else "",
            title_aliases=list(info.title_aliases) if info else [],
            origin=f"{path}:{line}",
        )


def read_musiccaps(path: Path) -> Iterator[TextRecord | InputFormatError]:
    for line, row in _csv_rows(path):
        if not row.get("ytid") or "caption" not in row or "aspect_list" not in row:
            yield InputFormatError(path, line, "not a MusicCaps row (needs ytid, caption, aspect_list)")
            continue
        try:
            aspects = _list_cell(row["aspect_list"])
        except (ValueError, SyntaxError, json.JSONDecodeError):
            yield InputFormatError(path, line, "aspect_list is not a list")
            continue
        base = dict(source="musiccaps", source_id=row["ytid"], origin=f"{path}:{line}")
        yield TextRecord(text_type="caption", text=row["caption"], **base)
        if aspects:
            yield TextRecord(text_type="aspects", text="", aspects=aspects, **base)


def musiccaps_eval_rows(path: Path) -> list[dict[str, Any]]:
    """The MusicCaps evaluation split (is_audioset_eval) with non-empty aspect lists."""
    rows = []
    for _, row in _csv_rows(path):
        if row.get("is_audioset_eval") == "True" and _list_cell(row.get("aspect_list", "")):
            rows.append(row)
    return rows


def read_wikimute(path: Path) -> Iterator[TextRecord | InputFormatError]:
    for line, row in _csv_rows(path):
        song_id = next((row[k] for k in ("id", "youtube_id", "ytid", "track_id", "sample_id") if row.get(k)), "")
        if not song_id or ("aspects" not in row and "sentences" not in row):
            yield InputFormatError(path, line, "not a WikiMuTe row (needs an id column and aspects/sentences)")
            continue
        base = dict(
            source="wikimute",
            source_id=song_id,
            title=row.get("title", ""),
            artist=row.get("artist", ""),
            origin=f"{path}:{line}",
        )
        try:
            sentences, aspects = _list_cell(row.get("sentences", "")), _list_cell(row.get("aspects", ""))
        except (ValueError, SyntaxError, json.JSONDecodeError):
            yield InputFormatError(path, line, "aspects/sentences are not lists")
            continue
        if sentences:
            yield TextRecord(text_type="caption", text=" ".join(sentences), **base)
        if aspects:
            yield TextRecord(text_type="aspects", text="", aspects=aspects, **base)


def read_song_describer(path: Path) -> Iterator[TextRecord | InputFormatError]:
    for line, row in _csv_rows(path):
        if not row.get("track_id") or not row.get("caption"):
            yield InputFormatError(path, line, "not a Song Describer row (needs track_id and caption)")
            continue
        yield TextRecord(
            source="song-describer",
            source_id=row["track_id"],
            text_type="caption",
            text=row["caption"],
            artist=row.get("artist_id", ""),
            origin=f"{path}:{line}",
        )


def read_muchin(path: Path) -> Iterator[TextRecord | InputFormatError]:
    """A MuChin `bm-data` folder: one folder per song with meta_info and *_desc_json answers."""
    folder = path / "bm-data" if (path / "bm-data").is_dir() else path
    songs = sorted(p for p in folder.iterdir() if p.is_dir())
    if not songs:
        raise UserError(f"{folder}: no MuChin song folders (expected bm-data/<id>/meta_info)")
    for song in songs:
        meta_path = song / "meta_info"
        if not meta_path.exists():
            yield InputFormatError(meta_path, None, "missing meta_info")
            continue
        meta = {
            k.strip(): v.strip()
            for k, _, v in (ln.partition(":") for ln in meta_path.read_text(encoding="utf-8").splitlines())
            if v
        }
        base = dict(
            source="muchin",
            source_id=song.name,
            title=meta.get("name", ""),
            artist=meta.get("singer", ""),
            album=meta.get("album", ""),
        )
        for name in ("prof_desc_json", "amat_desc_json"):
            desc_path = song / name
            if not desc_path.exists():
                continue
            try:
                answers = json.loads(desc_path.read_text(encoding="utf-8")).get("ans", [])
            except json.JSONDecodeError as exc:
                yield InputFormatError(desc_path, exc.lineno, "not valid JSON")
                continue
            for i, answer in enumerate(answers):
                origin = f"{desc_path}#{i}"
                if (answer.get("desc") or "").strip():
                    yield TextRecord(text_type="caption", text=answer["desc"], origin=origin, **base)
                tags = [v for t in answer.get("tags", []) for v in t.get("value", []) if str(v).strip()]
                if tags:
                    yield TextRecord(text_type="aspects", text="", aspects=tags, origin=origin, **base)


OPEN_READERS: dict[str, Reader] = {
    "musiccaps": read_musiccaps,
    "wikimute": read_wikimute,
    "song-describer": read_song_describer,
    "muchin": read_muchin,
}


def song_infos(crawl: list[Path], generated: list[Path]) -> dict[str, SongInfo]:
    """id -> title/artist from crossmusim's own outputs, for aspects records that only carry ids."""
    infos: dict[str, SongInfo] = {}
    for path in crawl:
        for record in read_crawl(path):
            if isinstance(record, TextRecord):
                infos.setdefault(
                    record.source_id, SongInfo(record.title, record.artist, record.album, tuple(record.title_aliases))
                )
    for path in generated:
        for record in read_generated(path):
            if isinstance(record, TextRecord):
                infos.setdefault(record.source_id, SongInfo(record.title, record.artist, record.album))
    return infos
