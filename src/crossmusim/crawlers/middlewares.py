"""Downloader middlewares: retries that back off, challenge-page detection, a cache that keeps only
successes.

Backing off pauses the whole engine, not just the failed request: a 429 or a challenge page is the
site asking us to slow down, and other requests to the same site must wait too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.httpcache import DummyPolicy
from scrapy.http import Response, TextResponse
from scrapy.utils.response import response_status_message

from crossmusim.crawlers.parsing.blocks import detect_block
from crossmusim.retrying import backoff_delay, retry_after_seconds

logger = logging.getLogger(__name__)


class EnginePause:
    """Pause the engine while at least one backoff is waiting."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._waiting = 0

    async def wait(self, seconds: float) -> None:
        engine = self.crawler.engine
        self._waiting += 1
        if engine is not None and self._waiting == 1:
            engine.pause()
        try:
            await asyncio.sleep(seconds)
        finally:
            self._waiting -= 1
            if engine is not None and self._waiting == 0:
                engine.unpause()


def engine_pause(crawler: Crawler) -> EnginePause:
    """The crawler's one pause, shared by every middleware that backs off."""
    pause = getattr(crawler, "_crossmusim_pause", None)
    if pause is None:
        pause = EnginePause(crawler)
        crawler._crossmusim_pause = pause  # type: ignore[attr-defined]
    return pause


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after a wait: Retry-After when given, else exponential backoff."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("CROSSMUSIM_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("CROSSMUSIM_BACKOFF_MAX", 120.0)

    def delay_for(self, attempt: int, retry_after: float | None) -> float:
        return backoff_delay(attempt, self.base, self.cap, retry_after)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        delay = self.delay_for(retry.meta.get("retry_times", 1), retry_after)
        if response.status in (429, 503):
            self.crawler.stats.inc_value("crossmusim/throttled")
            await engine_pause(self.crawler).wait(delay)
        else:
            await asyncio.sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.delay_for(retry.meta.get("retry_times", 1), None))
        return retry


class BlockPageMiddleware:
    """Challenge pages and captcha redirects: count, back off, retry, and stop when they persist."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.backoff = settings.getfloat("CROSSMUSIM_BLOCK_BACKOFF", 60.0)
        self.retries = settings.getint("CROSSMUSIM_BLOCK_RETRIES", 2)
        self.max_consecutive = settings.getint("CROSSMUSIM_MAX_CONSECUTIVE_BLOCKS", 4)
        self.consecutive = 0
        self.stopping = False
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockPageMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get("Location")
        text = response.text if isinstance(response, TextResponse) else ""
        reason = detect_block(text, response.status, location.decode("latin-1") if location else None)
        if reason is None:
            if 200 <= response.status < 300:
                self.consecutive = 0
            return response
        stats = self.crawler.stats
        stats.inc_value("crossmusim/blocked")
        stats.inc_value(f"crossmusim/blocked/{reason}")
        self.consecutive += 1
        if self.consecutive >= self.max_consecutive:
            if not self.stopping:
                self.stopping = True
                stats.set_value("crossmusim/stopped_blocked", self.consecutive)
                logger.error(
                    "the site answered %d challenge pages in a row; stopping the crawl "
                    "(everything harvested so far is kept)",
                    self.consecutive,
                )
                assert self.crawler.engine is not None
                self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="blocked"))
            raise IgnoreRequest(f"blocked ({reason}): {request.url}")
        tries = request.meta.get("block_retries", 0)
        if tries >= self.retries:
            stats.inc_value("crossmusim/blocked_gave_up")
            raise IgnoreRequest(f"still blocked after {tries} retries ({reason}): {request.url}")
        delay = self.backoff * 2**tries
        logger.warning("challenge page (%s) at %s; backing off %.1f s", reason, request.url, delay)
        await engine_pause(self.crawler).wait(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["block_retries"] = tries + 1
        return retry


class SuccessOnlyCachePolicy(DummyPolicy):
    """Cache only real 200 pages: never errors, throttling answers or challenge pages."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if response.status != 200:
            return False
        text = response.text if isinstance(response, TextResponse) else ""
        return detect_block(text, response.status) is None


class UnreachableSiteMiddleware:
    """A site that never answered: after a few failed connections and no response at all, stop.

    Without this, a wrong --base-url or a server that is down meant every request's retries with
    backoff (minutes) and then a crawl that "finished" with nothing. It sits before the retry
    middleware, so it sees every failed attempt (robots.txt included).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("CROSSMUSIM_UNREACHABLE_AFTER", 3)
        self.failures = 0
        self.answered = False
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableSiteMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered = True
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.answered or self.stopping:
            return None
        self.failures += 1
        if self.failures >= self.limit:
            self.stopping = True
            detail = str(exception).strip() or type(exception).__name__
            if "refused" in detail.lower():
                detail = "connection refused"
            self.crawler.stats.set_value("crossmusim/unreachable", detail)
            logger.debug("no answer from the site after %d tries (%s); stopping", self.failures, detail)
            assert self.crawler.engine is not None
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="unreachable"))
        return None
