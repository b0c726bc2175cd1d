"""Evaluation tags from real open tag sets, as (id, level, tag) rows plus artists where known.

- MTG-Jamendo autotagging TSVs (`TRACK_ID, ARTIST_ID, ALBUM_ID, PATH, DURATION, TAGS...`, tags as
  `genre---rock`): genres are the fine level (87 sub-genres in split-0's test file), mood/theme tags
  the coarse level (56); instrument tags (40) are left out unless `instruments` names a level.
  Artists come from `ARTIST_ID`, track paths from `PATH`.
- MusicCaps (`musiccaps-public.csv`): each clip's aspect list, lower-cased, as coarse tags (ids are
  the YouTube ids). Aspects are free text, so a tag set of many one-clip tags: they are skipped by the
  metrics and counted.
- MuChin (`bm-data/s_NNNN/{meta_info,prof_desc_json}` with `subqidmap.json`): the professional
  annotators' tags; coarse: the song's genre (meta_info) and the mood (情绪感受) and use (歌曲用途)
  tags, fine: the style/genre (风格或流派) tags. Artists from the singer field.
- The 4Q audio emotion dataset's `metadata.csv` (`Song, Artist, Title, Quadrant, MoodsStrSplit,
  GenresStr`): coarse = AllMusic genres and the quadrant, fine = AllMusic moods; artists given.
- crossmusim's own format: `id, level, tag` (CSV/TSV) with an optional `id, artist` file.
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from crossmusim.curation.tags import FOUR_Q_COLUMNS, TAG_FORMATS, four_q_tags
from crossmusim.errors import UserError
from crossmusim.evaluation.whole_tracks import Track
from crossmusim.io import open_text

JAMENDO_LEVELS = {"genre": "fine", "mood/theme": "coarse"}


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    with open_text(path) as handle:
        first = handle.readline()
        handle.seek(0)
        reader = csv.reader(handle, delimiter="\t" if "\t" in first else ",")
        header = next(reader, [])
        return header, list(reader)


def read_jamendo(path: Path, instruments: str | None = None) -> list[Track]:
    header, rows = _rows(path)
    if header[:6] != ["TRACK_ID", "ARTIST_ID", "ALBUM_ID", "PATH", "DURATION", "TAGS"]:
        raise UserError(f"{path}: not an MTG-Jamendo autotagging TSV (TRACK_ID ... TAGS header)")
    levels = dict(JAMENDO_LEVELS, **({"instrument": instruments} if instruments else {}))
    tracks = []
    for line, row in enumerate(rows, start=2):
        if len(row) < 6:
            raise UserError(f"{path}:{line}: needs TRACK_ID, ARTIST_ID, ALBUM_ID, PATH, DURATION and tags")
        track = Track(row[0], artist=row[1], path=row[3])
        for tag in row[5:]:
            category, _, name = tag.partition("---")
            level = levels.get(category)
            if level == "coarse":
                track.tags_coarse.append(name)
            elif level == "fine":
                track.tags_fine.append(name)
        tracks.append(track)
    return tracks


def read_musiccaps_tags(path: Path) -> list[Track]:
    header, rows = _rows(path)
    if "ytid" not in header or "aspect_list" not in header:
        raise UserError(f"{path}: not a MusicCaps CSV (ytid and aspect_list columns)")
    at = {name: header.index(name) for name in ("ytid", "aspect_list")}
    tracks = []
    for line, row in enumerate(rows, start=2):
        try:
            aspects = ast.literal_eval(row[at["aspect_list"]])
        except (ValueError, SyntaxError, IndexError):
            raise UserError(f"{path}:{line}: aspect_list is not a list literal") from None
        tracks.append(Track(row[at["ytid"]], tags_coarse=sorted({a.strip().lower() for a in aspects if a.strip()})))
    return tracks


MUCHIN_LEVELS = {"情绪感受": "coarse", "歌曲用途": "coarse", "风格或流派": "fine"}


def read_muchin_tags(folder: Path) -> list[Track]:
    import json

    folder = Path(folder)
    names_file = folder / "subqidmap.json"
    if not names_file.is_file() or not (folder / "bm-data").is_dir():
        raise UserError(f"{folder}: not a MuChin folder (needs subqidmap.json and bm-data/)")
    names = json.loads(names_file.read_text("utf-8"))
    tracks = []
    for song in sorted(p for p in (folder / "bm-data").iterdir() if p.is_dir()):
        meta = {}
        if (song / "meta_info").is_file():
            for line in (song / "meta_info").read_text("utf-8").splitlines():
                key, _, value = line.partition(":")
                meta[key.strip()] = value.strip()
        track = Track(song.name, artist=meta.get("singer", ""), title=meta.get("name", ""))
        if meta.get("genre"):
            track.tags_coarse.append(meta["genre"])
        answers = (
            json.loads((song / "prof_desc_json").read_text("utf-8")) if (song / "prof_desc_json").is_file() else {}
        )
        for answer in answers.get("ans", []):
            for group in answer.get("tags", []):
                name = names.get(group.get("tid", ""), "")
                level = next((lv for prefix, lv in MUCHIN_LEVELS.items() if name.startswith(prefix)), None)
                target = track.tags_coarse if level == "coarse" else track.tags_fine if level == "fine" else None
                if target is not None:
                    target.extend(v.strip() for v in group.get("value", []) if v.strip() and v.strip() not in target)
        tracks.append(track)
    return tracks


def read_four_q(path: Path) -> list[Track]:
    header, rows = _rows(path)
    at = {name: header.index(name) for name in (*FOUR_Q_COLUMNS, "Title") if name in header}
    tracks = []
    for line, row in enumerate(rows, start=2):
        cells = {name: row[i] if i < len(row) else "" for name, i in at.items()}
        if not cells["Song"].strip():
            raise UserError(f"{path}:{line}: a 4Q metadata row without its Song id")
        coarse, fine = four_q_tags(cells)
        title = cells.get("Title", "").strip()
        tracks.append(Track(cells["Song"].strip(), cells["Artist"].strip(), title, coarse, fine))
    return tracks


def read_tag_file(tags: Path, artists: Path | None = None) -> list[Track]:
    """Tracks from any supported tag file (recognised by its header) or a MuChin folder."""
    if Path(tags).is_dir():
        return read_muchin_tags(tags)
    header, rows = _rows(tags)
    if header[:1] == ["TRACK_ID"]:
        return read_jamendo(tags)
    if "aspect_list" in header:
        return read_musiccaps_tags(tags)
    if set(FOUR_Q_COLUMNS) <= set(header):
        return read_four_q(tags)
    header = ["id" if name == "song_id" and "id" not in header else name for name in header]  # build's tag files
    if not {"id", "level", "tag"} <= set(header):
        raise UserError(f"--tags {tags}: not a tag file; it reads {TAG_FORMATS}")
    index = {name: header.index(name) for name in ("id", "level", "tag")}
    by_id: dict[str, Track] = {}
    for line, row in enumerate(rows, start=2):
        values = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        if not values["id"] or values["level"] not in ("coarse", "fine") or not values["tag"]:
            raise UserError(f"{tags}:{line}: needs id, level (coarse|fine) and tag")
        track = by_id.setdefault(values["id"], Track(values["id"]))
        (track.tags_coarse if values["level"] == "coarse" else track.tags_fine).append(values["tag"])
    if artists is not None:
        artist_header, artist_rows = _rows(artists)
        if not {"id", "artist"} <= set(artist_header):
            raise UserError(f"{artists}: needs columns id and artist")
        i, a = artist_header.index("id"), artist_header.index("artist")
        for row in artist_rows:
            if len(row) > max(i, a) and row[i] in by_id:
                by_id[row[i]].artist = row[a]
    return sorted(by_id.values(), key=lambda t: t.id)


def with_audio(tagged: list[Track], files: list[Track], tags: Path, audio: Path) -> tuple[list[Track], int]:
    """The tagged tracks that have an audio file (joined by id: a manifest's id, else the file name
    without extension), with the file and, where the tag file has none, its artist and title; and how
    many tagged ids have no file. Stops when none has one: the ids of the two inputs do not match."""
    by_id = {t.id: t for t in files}
    joined = [t for t in tagged if t.id in by_id]
    if not joined:
        example = f" (e.g. {tagged[0].id!r} and {files[0].id!r})" if tagged and files else ""
        raise UserError(
            f"--tags {tags}: none of its {len(tagged)} ids names a track of --audio {audio}{example}: "
            "ids are the manifest's id column, else the file name without extension"
        )
    for track in joined:
        file = by_id[track.id]
        track.file, track.path = file.file, file.path
        track.artist, track.title = track.artist or file.artist, track.title or file.title
    return joined, len(tagged) - len(joined)
