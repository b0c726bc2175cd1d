"""A build's pairing block: each kept text joined to its song's audio (by source id, else by title and
artist), its tags attached, its artist grouped for the split; texts without usable audio counted and
listed for the report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.curation.audio import AudioIndex
from crossmusim.curation.base import CurationStats
from crossmusim.curation.dedup import SharedTexts
from crossmusim.curation.pairs import SOURCE as PAIRS
from crossmusim.curation.songkey import song_key
from crossmusim.curation.spill import Spool, WorkDir
from crossmusim.curation.splits import ArtistGroups
from crossmusim.curation.tags import TagIndex
from crossmusim.records import TextRecord

GROUP = "_group"  # a paired row's artist key, while it waits for its split


@dataclass
class Paired:
    """The paired rows (on disk) and what the report says about the rest."""

    rows: Spool[dict[str, Any]]
    groups: ArtistGroups = field(default_factory=ArtistGroups)
    texts: int = 0  # texts that reached pairing (after dedup)
    unmatched: list[dict[str, Any]] = field(default_factory=list)  # no audio for the song
    unusable: list[dict[str, Any]] = field(default_factory=list)  # a file, but not usable
    used_audio: set[Path] = field(default_factory=set)
    shared: SharedTexts = field(default_factory=SharedTexts)
    song_ids: set[str] = field(default_factory=set)
    song_keys: set[str] = field(default_factory=set)


def pair_with_audio(
    records: Iterable[TextRecord], skip: set[int], audio: AudioIndex, tags: TagIndex, stats: CurationStats,
    work: WorkDir,
) -> Paired:  # fmt: skip
    """Every record but the ordinals in `skip` (near duplicates) paired with its audio."""
    paired = Paired(work.spool("rows.jsonl"))
    for ordinal, record in enumerate(records):
        if ordinal in skip:
            continue
        paired.texts += 1
        song_id, key = song_id_of(record)
        ref = audio.find(record.source_id, key)
        problem = audio.problem_of(record.source_id, key) if ref is None else None
        if problem is not None:  # a file was there, but it cannot be used
            stats.count("audio", record.source, "dropped_audio_unusable")
            paired.unusable.append({"song_id": song_id, "title": record.title, "origin": record.origin, **problem})
            continue
        if ref is None:
            stats.count("audio", record.source, "dropped_no_audio")
            paired.unmatched.append({"song_id": song_id, "title": record.title, "artist": record.artist,
                                     "source": record.source, "origin": record.origin})  # fmt: skip
            continue
        stats.count("audio", record.source, "kept")
        paired.used_audio.add(ref.path)
        paired.shared.add(record, song_id)
        paired.song_ids.add(record.source_id)
        paired.song_keys.add(key or "")
        group = paired.groups.add(record.artist, str(ref.path), song_id)
        paired.rows.append({**pair_row(record, song_id, ref, tags.find(record.source_id, key)), GROUP: group})
    return paired


def song_id_of(record: TextRecord) -> tuple[str, str | None]:
    """A song's id and key: by title and artist; a pairs row's is its own id (`pairs.PairsFile`)."""
    if record.source == PAIRS:
        return record.source_id, None
    key = song_key(record.title, record.artist) if record.title and record.artist else None
    if key:
        return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], key
    return f"{record.source}:{record.source_id}", None


def pair_row(record: TextRecord, song_id: str, audio, tags: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "song_id": song_id,
        "title": record.title,
        "artist": record.artist,
        "album": record.album,
        "text_type": record.text_type,
        "text": record.text if record.text_type != "aspects" else "; ".join(record.aspects),
        "sentences": record.sentences,
        "aspects": record.aspects,
        "language": record.language,
        "source": record.source,
        "source_id": record.source_id,
        "masked": record.masked,
        "audio": str(audio.path),  # read (or linked) a batch at a time when the split is written
        "duration_s": audio.duration_s,
        "tags_coarse": tags["coarse"],
        "tags_fine": tags["fine"],
    }
