"""One row per song: entries merged across charts by `curation.songkey.song_key` (featured credits,
case, width, Traditional and Simplified folded), then the list's filters, each counting what it leaves
out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from crossmusim.curation.songkey import song_key
from crossmusim.songlists.entries import ChartEntry

COLUMNS = ("title", "artist", "artists", "year", "charts", "best_rank", "sources")
NAME_SEPARATOR = "; "


@dataclass
class ListedSong:
    key: str
    title: str  # as the first list wrote it
    artist: str  # the billed credit, as the first list wrote it
    artists: list[str] = field(default_factory=list)
    year: int | None = None  # the earliest year any list gives: a release year for a chart hit
    listings: set[str] = field(default_factory=set)  # distinct charts (a chart's years apart) and artist pages
    best_rank: int | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def charts(self) -> int:
        return len(self.listings)

    def add(self, entry: ChartEntry) -> None:
        self.artists += [a for a in entry.artists if a.casefold() not in {b.casefold() for b in self.artists}]
        if entry.year is not None and (self.year is None or entry.year < self.year):
            self.year = entry.year
        if entry.rank is not None and (self.best_rank is None or entry.rank < self.best_rank):
            self.best_rank = entry.rank
        if entry.chart not in self.listings:
            self.listings.add(entry.chart)
            self.sources.append(entry.chart)

    def row(self) -> dict[str, object]:
        return {"title": self.title, "artist": self.artist, "artists": NAME_SEPARATOR.join(self.artists),
                "year": self.year or "", "charts": self.charts, "best_rank": self.best_rank or "",
                "sources": NAME_SEPARATOR.join(self.sources)}  # fmt: skip


def merge_entries(entries: Iterable[ChartEntry]) -> tuple[list[ListedSong], int]:
    """(songs in first-seen order, entries that came in); a song listed twice on one chart counts once."""
    songs: dict[str, ListedSong] = {}
    came_in = 0
    for entry in entries:
        came_in += 1
        key = song_key(entry.title, entry.artist)
        song = songs.get(key)
        if song is None:
            song = songs[key] = ListedSong(key=key, title=entry.title, artist=entry.artist)
        song.add(entry)
    return list(songs.values()), came_in


def _order(song: ListedSong) -> tuple:
    """Most-charted first, then best rank, then the earliest year: the best-known songs lead."""
    return (-song.charts, song.best_rank or 10**9, song.year or 10**4, song.key)


def select_songs(
    songs: list[ListedSong], *, max_year: int | None, min_charts: int, top: int | None
) -> tuple[list[ListedSong], Counter[str]]:
    """The songs kept, in list order, and how many each filter left out (`after_max_year`,
    `below_min_charts`, `beyond_top`). A song with no known year is kept: nothing says it is late."""
    left_out: Counter[str] = Counter()
    kept = []
    for song in sorted(songs, key=_order):
        if max_year is not None and song.year is not None and song.year > max_year:
            left_out["after_max_year"] += 1
        elif song.charts < min_charts:
            left_out["below_min_charts"] += 1
        else:
            kept.append(song)
    if top is not None and len(kept) > top:
        left_out["beyond_top"] += len(kept) - top
        kept = kept[:top]
    return kept, left_out
