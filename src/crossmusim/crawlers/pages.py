"""Fetch pages politely in this process: robots.txt obeyed, one request at a time per site with
AutoThrottle, retries with backoff, and an HTTP cache in the work folder, so a rerun fetches only what it
lacks (the crawl's own settings, `crawlers.settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess

from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.settings import build_settings
from crossmusim.crawlers.spiders.pages import FetchedPage, FetchFailure, PageSpider
from crossmusim.logs import log_to_file, quiet_third_party_loggers

LOG_FILE = "fetch.log"


@dataclass
class FetchResult:
    pages: list[FetchedPage] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    artists_not_found: list[str] = field(default_factory=list)  # no page titled with the name
    stats: dict[str, Any] = field(default_factory=dict)


def fetch_pages(config: CrawlConfig, urls: list[str], artists: list[str]) -> FetchResult:
    """Fetch `urls` and, on the encyclopedia at `config.base_url`, each artist's own page. Nothing is
    written but the cache and the log under `config.out_dir`."""
    if not urls and not artists:
        return FetchResult()
    config.out_dir.mkdir(parents=True, exist_ok=True)
    settings = build_settings(config)
    settings["ITEM_PIPELINES"] = {}  # pages are returned, not written as songs
    process = CrawlerProcess(settings)
    quiet_third_party_loggers()
    crawler = process.create_crawler(PageSpider)
    with log_to_file(config.out_dir / LOG_FILE):
        process.crawl(crawler, config=config, urls=urls, artists=artists)
        process.start()
    spider: PageSpider = crawler.spider  # type: ignore[assignment]
    return FetchResult(
        pages=spider.pages,
        failures=spider.failures,
        artists_not_found=spider.not_found,
        stats=crawler.stats.get_stats() if crawler.stats else {},
    )
