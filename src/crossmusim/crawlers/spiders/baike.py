"""Spider for Baidu-Baike-shaped encyclopedias: it schedules searches and item pages, nothing else.

All HTML understanding lives in `crawlers.parsing` (pure functions, tested on saved pages).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.parsing import lemma_page, search_page, site_urls, songs
from crossmusim.crawlers.state import CrawlState, SearchRecord, search_key
from crossmusim.records import Provenance, QueryTerm

# The one place the search URL shape lives (offset `pn` in steps of `rn`).
SEARCH_PATH = "/search/none?word={word}&pn={offset}&rn={rows}&enc=utf8"


class BaikeSpider(scrapy.Spider):
    name = "baike"

    def __init__(self, config: CrawlConfig, state: CrawlState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.state = state
        self.base_url = (config.base_url or site_urls.SITE_URL).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""
        self.allowed_domains = [host]
        self.item_requests = 0
        self._scheduled_items: set[str] = set()

    # -- URLs -------------------------------------------------------------------------------------
    def search_url(self, term: str, offset: int = 0) -> str:
        path = SEARCH_PATH.format(word=quote(term), offset=offset, rows=self.config.search_rows)
        return self.base_url + path

    def rebase(self, url: str) -> str:
        """Links to the real site's host point at the mirror being crawled (`--base-url`)."""
        parts = urlsplit(url)
        if parts.hostname == site_urls.SITE_HOST and self.config.base_url:
            base = urlsplit(self.base_url)
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        return url

    # -- scheduling -------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for term in self.config.terms:
            for request in self._search(self.search_url(term.term), term):
                yield request

    def _search(self, url: str, term: QueryTerm) -> Iterator[scrapy.Request]:
        """A search page: replayed from the frontier when a resumed crawl has read it already."""
        done = self.state.searches.get(search_key(url))
        if done is None:
            yield scrapy.Request(
                url,
                callback=self.parse_search,
                cb_kwargs={"term": term},
                errback=self.on_error,
                meta={"kind": "search"},
            )
            return
        self.crawler.stats.inc_value("crossmusim/search_pages_replayed")
        yield from self._items(done.items, term, done.url)
        if done.next_url and not self._limit_reached():
            yield from self._search(done.next_url, term)

    def _items(self, urls: list[str], term: QueryTerm, search_url: str) -> Iterator[scrapy.Request]:
        for url in urls:
            if self._limit_reached():
                return
            key = site_urls.item_key(url)
            if self.state.is_known(url) or key in self._scheduled_items:
                self.crawler.stats.inc_value("crossmusim/items_already_done")
                continue
            self._scheduled_items.add(key)
            self.item_requests += 1
            meta: dict[str, Any] = {"kind": "item"}
            if self.config.render_js:
                meta["playwright"] = True
            yield scrapy.Request(
                url,
                callback=self.parse_item,
                errback=self.on_error,
                meta=meta,
                cb_kwargs={"provenance": Provenance(term.term, term.category, search_url)},
            )

    def _limit_reached(self) -> bool:
        return self.config.max_pages is not None and self.item_requests >= self.config.max_pages

    # -- callbacks --------------------------------------------------------------------------------
    def parse_search(self, response: Response, term: QueryTerm) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("crossmusim/search_pages")
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crossmusim/skipped/not_html")
            return
        page = search_page.parse_search_page(response.text, response.url)
        items = [self.rebase(hit.url) for hit in page.hits]
        next_url = self.rebase(page.next_url) if page.next_url else None
        self.state.record_search(SearchRecord(response.url, term.term, term.category, items, next_url))
        self.crawler.stats.inc_value("crossmusim/search_hits", len(items))
        yield from self._items(items, term, response.url)
        if next_url and not self._limit_reached():
            yield from self._search(next_url, term)

    def parse_item(self, response: Response, provenance: Provenance) -> Iterator[Any]:
        self.crawler.stats.inc_value("crossmusim/item_pages")
        request_url = (response.meta.get("redirect_urls") or [response.url])[0]
        if not isinstance(response, TextResponse):
            self._skip(request_url, "not_html")
            return
        lemma = lemma_page.parse_lemma(response.text, response.url)
        reason = songs.music_work_verdict(lemma)
        if reason is not None:
            self._skip(request_url, reason)
            return
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        yield songs.song_from_lemma(lemma, request_url, fetched_at, provenance)

    def _skip(self, url: str, reason: str) -> None:
        self.crawler.stats.inc_value(f"crossmusim/skipped/{reason}")
        if reason == "empty_page" and not self.config.render_js:
            self.logger.warning("%s has no content without JavaScript; try --render js", url)
        if reason != "empty_page":  # an empty page may parse once rendered: not a final verdict
            self.state.record_skip(url, reason)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage()
        reason = "robots_txt" if "robots.txt" in message else (failure.type.__name__ if failure.type else "error")
        self.crawler.stats.inc_value(f"crossmusim/failed/{reason}")
        self.logger.warning("gave up on %s: %s", request.url, message)
