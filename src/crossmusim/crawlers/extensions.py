"""Progress while a crawl runs: one log line every few seconds (Scrapy's LogStats is silenced)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

logger = logging.getLogger("crossmusim.crawl")


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler, crawler.settings.getfloat("CROSSMUSIM_PROGRESS_INTERVAL", 10.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        get = self.crawler.stats.get_value
        skipped = sum(v for k, v in self.crawler.stats.get_stats().items() if k.startswith("crossmusim/skipped/"))
        return (
            f"progress: {get('downloader/response_count', 0)} pages fetched, "
            f"{get('crossmusim/songs_written', 0)} songs, {skipped} skipped, "
            f"{get('crossmusim/blocked', 0)} blocked, {get('retry/count', 0)} retries"
        )

    def log(self) -> None:
        if self.crawler.stats.get_value("downloader/response_count", 0):  # nothing to report before a page
            logger.info(self.line())

    def spider_opened(self) -> None:
        if self.interval > 0:
            self._loop = task.LoopingCall(self.log)
            self._loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
