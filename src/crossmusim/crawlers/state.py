"""Crawl state that survives Ctrl-C and `kill -9`, kept beside the output.

Scrapy's JOBDIR loses queued requests when the process is killed, so the output itself is the
ledger: `songs.jsonl` says which items are done (by canonical URL and request URL), and an
append-only `frontier.jsonl` says which search pages were read (with the links they listed) and
which items were final skips. A resumed crawl replays that and fetches only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.crawlers.parsing.site_urls import item_key
from crossmusim.io import JsonlAppender, read_jsonl

SONGS_FILE = "songs.jsonl"
STATS_FILE = "crawl-stats.json"
STATE_DIR = ".crawl-state"
FRONTIER_FILE = "frontier.jsonl"


@dataclass
class SearchRecord:
    url: str
    term: str
    category: str
    items: list[str]
    next_url: str | None
    next_is_probe: bool = False  # next_url is an offset we try ourselves (no next link on a full page)
    end_reason: str | None = None  # why the term's search ends on this page


@dataclass
class CrawlState:
    out_dir: Path
    done_keys: set[str] = field(default_factory=set)  # item keys (request and canonical) in songs.jsonl
    canonical_keys: set[str] = field(default_factory=set)  # canonical item keys in songs.jsonl
    skipped_keys: set[str] = field(default_factory=set)  # item keys that are not songs
    searches: dict[str, SearchRecord] = field(default_factory=dict)  # by search URL key
    songs_before: int = 0
    _frontier: JsonlAppender | None = None

    @property
    def songs_path(self) -> Path:
        return self.out_dir / SONGS_FILE

    @classmethod
    def load(cls, out_dir: Path, *, resume: bool, frontier: bool = True) -> CrawlState:
        """Read what earlier runs left (only with `resume`; a fresh crawl starts empty).

        A worker of a shared crawl reads only its songs (`frontier=False`): Redis keeps the queue.
        """
        state = cls(out_dir=out_dir)
        if not resume:
            return state
        if state.songs_path.exists():
            for record in read_jsonl(state.songs_path):
                state.songs_before += 1
                for url in (record.get("canonical_url"), record.get("url")):
                    if url:
                        state.done_keys.add(item_key(url))
                if record.get("canonical_url"):
                    state.canonical_keys.add(item_key(record["canonical_url"]))
        frontier_path = out_dir / STATE_DIR / FRONTIER_FILE
        if frontier and frontier_path.exists():
            for event in read_jsonl(frontier_path):
                if event.get("kind") == "search":
                    rec = SearchRecord(
                        event["url"],
                        event["term"],
                        event["category"],
                        event.get("items", []),
                        event.get("next_url"),
                        bool(event.get("next_is_probe")),
                        event.get("end_reason"),
                    )
                    state.searches[search_key(rec.url)] = rec
                elif event.get("kind") == "skip":
                    state.skipped_keys.add(event["key"])
        return state

    def open(self) -> None:
        self._frontier = JsonlAppender(self.out_dir / STATE_DIR / FRONTIER_FILE)

    def close(self) -> None:
        if self._frontier is not None:
            self._frontier.close()

    def is_known(self, url: str) -> bool:
        key = item_key(url)
        return key in self.done_keys or key in self.skipped_keys

    def record_search(self, rec: SearchRecord) -> None:
        self.searches[search_key(rec.url)] = rec
        if self._frontier is not None:
            self._frontier.write(
                {
                    "kind": "search",
                    "url": rec.url,
                    "term": rec.term,
                    "category": rec.category,
                    "items": rec.items,
                    "next_url": rec.next_url,
                    "next_is_probe": rec.next_is_probe,
                    "end_reason": rec.end_reason,
                }
            )

    def record_skip(self, url: str, reason: str) -> None:
        key = item_key(url)
        self.skipped_keys.add(key)
        if self._frontier is not None:
            self._frontier.write({"kind": "skip", "key": key, "reason": reason})


def search_key(url: str) -> str:
    """Host-independent identity of a search page URL (path and query)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return unquote(parts.path) + "?" + unquote(parts.query)
