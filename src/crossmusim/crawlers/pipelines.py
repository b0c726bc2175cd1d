"""Item pipelines: drop songs already harvested (by canonical URL), append the rest to songs.jsonl."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crossmusim.crawlers.parsing.site_urls import item_key
from crossmusim.crawlers.state import SONGS_FILE
from crossmusim.io import JsonlAppender
from crossmusim.records import SongPage


class DuplicateSongPipeline:
    """One record per canonical URL, across queries and across resumed runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicateSongPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        # What earlier runs wrote, as the crawl state read it from songs.jsonl (read once, there).
        state = getattr(self.crawler.spider, "state", None)
        if state is not None:
            self.seen.update(state.canonical_keys)

    def process_item(self, item: SongPage) -> SongPage:
        key = item_key(item.canonical_url)
        if key in self.seen:
            self.crawler.stats.inc_value("crossmusim/dropped/duplicate")
            raise DropItem(f"duplicate song {item.canonical_url}")
        self.seen.add(key)
        return item


class JsonlSongWriterPipeline:
    """Append each song as one flushed UTF-8 line; a torn last line from a kill is cut on open."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = Path(crawler.settings["CROSSMUSIM_OUT_DIR"]) / SONGS_FILE
        self.writer: JsonlAppender | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonlSongWriterPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.writer = JsonlAppender(self.path)
        if self.writer.repaired_bytes:
            self.crawler.stats.set_value("crossmusim/repaired_torn_bytes", self.writer.repaired_bytes)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def process_item(self, item: SongPage) -> SongPage:
        assert self.writer is not None
        self.writer.write(item)
        self.crawler.stats.inc_value("crossmusim/songs_written")
        return item
