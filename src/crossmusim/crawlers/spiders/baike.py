"""Spider for Baidu-Baike-shaped encyclopedias: it schedules searches and item pages, nothing else.

All HTML understanding lives in `crawlers.parsing` (pure functions, tested on saved pages).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit, urlunsplit

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

    def _search(self, url: str, term: QueryTerm, *, probe: bool = False) -> Iterator[scrapy.Request]:
        """A search page: replayed from the frontier when a resumed crawl has read it already."""
        done = self.state.searches.get(search_key(url))
        if done is None:
            yield scrapy.Request(
                url,
                callback=self.parse_search,
                cb_kwargs={"term": term, "probe": probe},
                errback=self.on_error,
                meta={"kind": "search"},
            )
            return
        self.crawler.stats.inc_value("crossmusim/search_pages_replayed")
        yield from self._items(done.items, term, done.url)
        yield from self._follow(done.url, term, done.next_url, done.next_is_probe, done.end_reason)

    def _follow(
        self, url: str, term: QueryTerm, next_url: str | None, next_is_probe: bool, end_reason: str | None
    ) -> Iterator[scrapy.Request]:
        """Go on to the next result page, or count why this term's search ends here."""
        if next_url and self._limit_reached():
            end_reason = "max_pages"
        if next_url and end_reason is None:
            yield from self._search(next_url, term, probe=next_is_probe)
        elif end_reason is not None:
            self.crawler.stats.inc_value(f"crossmusim/search_end/{end_reason}")

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
    def parse_search(self, response: Response, term: QueryTerm, probe: bool = False) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("crossmusim/search_pages")
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crossmusim/skipped/not_html")
            return
        page = search_page.parse_search_page(response.text, response.url)
        items = [self.rebase(hit.url) for hit in page.hits]
        next_url = self.rebase(page.next_url) if page.next_url else None
        next_is_probe, end_reason = False, None
        if next_url is None:
            if not items:
                end_reason = (
                    "offset_probe_empty" if probe else ("no_results" if _offset(response.url) == 0 else "last_page")
                )
            elif len(items) >= self.config.search_rows:
                # A full page without a next link: the pager may be marked up in a way we do not know.
                # Never stop silently: ask for the next offset ourselves (an empty page ends it).
                self.crawler.stats.inc_value("crossmusim/search_full_page_without_next_link")
                self.logger.warning(
                    "%s listed a full page of %d results but no next-page link we recognise; trying the next offset",
                    response.url,
                    len(items),
                )
                next_url, next_is_probe = _with_offset(response.url, self.config.search_rows), True
            else:
                end_reason = "last_page"
        record = SearchRecord(response.url, term.term, term.category, items, next_url, next_is_probe, end_reason)
        self.state.record_search(record)
        self.crawler.stats.inc_value("crossmusim/search_hits", len(items))
        yield from self._items(items, term, response.url)
        yield from self._follow(response.url, term, next_url, next_is_probe, end_reason)

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
        if lemma.text_unassigned:  # a layout variant the parser misses: counted, never silent
            self.crawler.stats.inc_value("crossmusim/text_unassigned", lemma.text_unassigned)
            self.logger.warning("%s: %d content paragraphs went into no field", request_url, lemma.text_unassigned)
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
        if request.meta.get("kind") == "search":
            ended = "blocked" if "block" in reason.lower() or "block" in message.lower() else "failed"
            self.crawler.stats.inc_value(f"crossmusim/search_end/{ended}")
        self.logger.warning("gave up on %s: %s", request.url, message)


def _offset(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("pn")
    return int(values[0]) if values and values[0].isdigit() else 0


def _with_offset(url: str, step: int) -> str:
    """The same search with the result offset `pn` moved on by `step`."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "pn"]
    query.append(("pn", str(_offset(url) + step)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
