"""From a parsed lemma to a song: the music-work verdict and the `SongPage` record."""

from __future__ import annotations

import re

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing.lemma_page import Lemma
from crossmusim.records import Provenance, SongPage

# The short description of a song page: "周杰伦演唱歌曲", "2003年周杰伦演唱的歌曲", "A、B演唱的单曲".
_SONG_DESCRIPTION = re.compile(r"^(?:\d{4}年)?(?P<artist>.+?)(?:演唱|演唱的|献唱的?|原唱的?)(?:歌曲|单曲)$")


def artist_from_description(description: str) -> str | None:
    match = _SONG_DESCRIPTION.match(ib.to_simplified(description.strip()))
    return match.group("artist").strip() if match else None


def classify_lemma(lemma: Lemma) -> tuple[str, str]:
    """(verdict, why): verdict `song`, `not_song` or `empty_page`, with the evidence in words."""
    if not lemma.infobox and not lemma.summary and not lemma.sections:
        return "empty_page", "no infobox, summary or section: often a JavaScript-built page (try --render js)"
    # A category path from PAGE_DATA (文化/音乐/歌曲) counts by its leaf: 文化/音乐/歌手 is no song.
    categories = {ib.to_simplified(c).split("/")[-1] for c in lemma.categories}
    if categories & ib.SONG_CATEGORIES:
        return "song", f"category {', '.join(sorted(categories & ib.SONG_CATEGORIES))}"
    if artist_from_description(lemma.description):
        return "song", f"description {lemma.description}"
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
        description=lemma.description,
        aliases=list(lemma.aliases),
        summary=lemma.summary,
        categories=lemma.categories,
        layout=lemma.layout,
        fetched_at=fetched_at,
        provenance=provenance,
    )
    music_work = classify_lemma(lemma)[0] == "song"
    for raw_key, value in lemma.infobox:
        key = ib.normalise_key(raw_key)
        if key == "genres" and ib.clean_key(raw_key) == "类别" and not music_work:
            key = "类别"  # the generic key means a genre only on a music work (蜘蛛: 类别 动物)
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
    described_by = artist_from_description(lemma.description)
    if not song.artists and described_by:
        song.artists = ib.split_names(described_by)
    for heading, text in lemma.sections:
        name = ib.clean_key(heading)
        target = ib.section_field(name)
        if target and not getattr(song, target):
            setattr(song, target, text)
        elif name in song.sections:  # a heading used twice: both texts kept
            song.sections[name] += "\n" + text
        else:
            song.sections[name] = text
    return song
