"""A spider that fetches pages for the rest of crossmusim: given URLs as they are (chart pages), and for
each artist name that artist's own encyclopedia page, found through the site's search like any other
item. It keeps each page's text; what a page means is parsed elsewhere (pure functions)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.parsing import search_page
from crossmusim.crawlers.spiders.baike import BaikeSpider
from crossmusim.crawlers.state import CrawlState


@dataclass
class FetchedPage:
    url: str  # as asked for (for an artist: the item page the search led to)
    html: str
    artist: str | None = None  # the artist whose page this is; None for a given URL


@dataclass
class FetchFailure:
    url: str
    reason: str  # one line
    artist: str | None = None


class PageSpider(BaikeSpider):
    """Searches reuse the encyclopedia spider's URLs, mirror rebasing and error accounting; only the first
    result page of an artist's search is read (their own page leads it when it exists)."""

    name = "pages"

    def __init__(self, config: CrawlConfig, urls: list[str], artists: list[str], **kwargs: Any) -> None:
        super().__init__(config, CrawlState(config.out_dir), **kwargs)
        self.allowed_domains = None  # the given URLs may be on any host
        self.urls, self.artists = urls, artists
        self.pages: list[FetchedPage] = []
        self.failures: list[FetchFailure] = []
        self.not_found: list[str] = []

    async def start(self) -> AsyncIterator[Any]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.keep_page, errback=self.failed, meta={"kind": "page", "given": url})
        for artist in self.artists:
            yield scrapy.Request(
                self.search_url(artist),
                callback=self.parse_artist_search,
                errback=self.failed,
                cb_kwargs={"artist": artist},
                meta={"kind": "artist-search", "artist": artist},
            )

    def parse_artist_search(self, response: Response, artist: str) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("crossmusim/search_pages")
        hits = (
            search_page.parse_search_page(response.text, response.url).hits
            if isinstance(response, TextResponse)
            else []
        )
        hit = search_page.hit_named(hits, artist)
        if hit is None:
            self.not_found.append(artist)
            return
        yield scrapy.Request(
            self.rebase(hit.url),
            callback=self.keep_page,
            errback=self.failed,
            cb_kwargs={"artist": artist},
            meta={"kind": "artist-page", "artist": artist},
        )

    def keep_page(self, response: Response, artist: str | None = None) -> None:
        request_url = response.meta.get("given") or (response.meta.get("redirect_urls") or [response.url])[0]
        if not isinstance(response, TextResponse):
            self.failures.append(FetchFailure(request_url, "not an HTML page", artist))
            return
        self.pages.append(FetchedPage(request_url, response.text, artist))

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage()
        response = getattr(failure.value, "response", None)  # an HttpError carries the answer
        if response is not None:
            reason = f"the server answered HTTP {response.status}"
        elif "robots.txt" in message:
            reason = "forbidden by robots.txt"
        else:
            reason = (message.splitlines() or ["failed"])[0][:200]
        self.crawler.stats.inc_value(f"crossmusim/failed/{reason.split(':')[0][:40]}")
        # In the log file only: the caller reports each failure once, in one line.
        self.logger.info("gave up on %s: %s", request.url, message)
        self.failures.append(FetchFailure(request.meta.get("given") or request.url, reason, request.meta.get("artist")))
