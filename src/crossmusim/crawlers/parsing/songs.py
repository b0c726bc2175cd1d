"""From a parsed lemma to a song: the music-work verdict and the `SongPage` record."""

from __future__ import annotations

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing.lemma_page import Lemma
from crossmusim.records import Provenance, SongPage


def classify_lemma(lemma: Lemma) -> tuple[str, str]:
    """(verdict, why): verdict `song`, `not_song` or `empty_page`, with the evidence in words."""
    if not lemma.infobox and not lemma.summary and not lemma.sections:
        return "empty_page", "no infobox, summary or section: often a JavaScript-built page (try --render js)"
    categories = {ib.to_simplified(c) for c in lemma.categories}
    if categories & ib.SONG_CATEGORIES:
        return "song", f"category {', '.join(sorted(categories & ib.SONG_CATEGORIES))}"
    keys = {ib.clean_key(k) for k, _ in lemma.infobox}
    song_keys = sorted(k for k in keys if ib.normalise_key(k) in ib.SONG_KEYS)
    other = sorted(keys & ib.NON_SONG_KEYS)
    if len(song_keys) >= 2 or (song_keys and not other):
        return "song", f"song infobox keys: {', '.join(song_keys)}"
    if song_keys:
        return "not_song", f"one song key ({song_keys[0]}) beside keys of other things ({', '.join(other)})"
    return "not_song", "no song category and no song infobox key" + (
        f" (categories: {', '.join(lemma.categories)})" if lemma.categories else ""
    )


def music_work_verdict(lemma: Lemma) -> str | None:
    """None when the lemma is a music work; else the reason it is skipped (`not_song`, `empty_page`)."""
    verdict, _ = classify_lemma(lemma)
    return None if verdict == "song" else verdict


def song_from_lemma(lemma: Lemma, url: str, fetched_at: str = "", provenance: Provenance | None = None) -> SongPage:
    song = SongPage(
        title=lemma.title,
        canonical_url=lemma.canonical_url,
        url=url,
        page_id=lemma.page_id,
        summary=lemma.summary,
        categories=lemma.categories,
        layout=lemma.layout,
        fetched_at=fetched_at,
        provenance=provenance,
    )
    for raw_key, value in lemma.infobox:
        key = ib.normalise_key(raw_key)
        song.infobox.setdefault(key, value)
        if key in ("artists", "lyricists", "composers", "arrangers") and not getattr(song, key):
            setattr(song, key, ib.split_names(value))
        elif key == "genres" and not song.genres:
            song.genres = ib.split_genres(value)
        elif key == "languages" and not song.languages:
            song.languages = ib.split_names(value)
        elif key == "album" and not song.album:
            song.album = ib.parse_album(value)
        elif key == "release_date" and not song.release_date:
            song.release_date = ib.parse_date(value)
        elif key == "duration" and song.duration_s is None:
            song.duration_s = ib.parse_duration(value)
        elif key == "foreign_title" and not song.foreign_title:
            song.foreign_title = value
        elif key == "title" and not song.title:
            song.title = value
    for key, names in ib.credits_from_prose(lemma.summary).items():
        if not getattr(song, key):
            setattr(song, key, names)
    for heading, text in lemma.sections:
        name = ib.clean_key(heading)
        target = ib.section_field(name)
        if target and not getattr(song, target):
            setattr(song, target, text)
        else:
            song.sections.setdefault(name, text)
    return song
