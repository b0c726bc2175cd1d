"""One rate per site for the whole cluster, kept where a request is sent.

The gate wraps the crawl's own download handlers (HTTP, or scrapy-playwright's), so it runs after
every downloader middleware (a page the HTTP cache answers costs the site nothing and never waits)
and after the worker's download slot, which keeps its own delay, jitter and AutoThrottle. A gate
before the slot would let the slot's lag send a request reserved for one turn in the next one,
beside another worker's: two requests at once where the cluster promised one per delay.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.asyncio import sleep as scrapy_sleep
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.misc import build_from_crawler, load_object

from crossmusim.crawlers.cluster.connection import ClusterComponent
from crossmusim.errors import UserError

# The handler each wrapper sends through, by scheme (set by settings.shared_rate_handlers).
INNER_HANDLERS = "CROSSMUSIM_CLUSTER_DOWNLOAD_HANDLERS"

# Reserve the next send time for a host on the Redis clock (so the workers' clocks do not matter):
# the reservation is max(now, next free time); the next free time moves on by the delay.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
redis.call('SET', KEYS[1], at + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return at - now
"""


class SharedRate(ClusterComponent):
    """At most one request per `DOWNLOAD_DELAY` to each host from the whole cluster.

    A request waits for its turn; one that wakes more than half a delay late (a busy process) takes
    a new turn rather than being sent beside the next turn's request, so any span of T seconds holds
    at most T / delay + 1.5 sends.
    """

    def __init__(self, crawler: Crawler, sleep: Callable[[float], Awaitable[None]] = scrapy_sleep) -> None:
        super().__init__(crawler)
        self.delay_ms = round(crawler.settings.getfloat("DOWNLOAD_DELAY") * 1000)
        self._reserve = self.server.register_script(_RESERVE)
        self._sleep = sleep

    def reserve(self, host: str) -> int:
        """Milliseconds until `host`'s next turn, which is now this worker's."""
        return int(self._reserve(keys=[self.keys.rate(host)], args=[self.delay_ms]))

    async def wait_for_turn(self, host: str) -> int:
        """Wait until this worker may send to `host`; returns how many turns it took."""
        turns = 0
        while self.delay_ms > 0:
            turns += 1
            self.crawler.stats.inc_value("crossmusim/cluster/rate_turns")
            wait_ms = self.reserve(host)
            if wait_ms <= 0:
                break
            self.crawler.stats.inc_value("crossmusim/cluster/rate_waits")
            due = time.monotonic() + wait_ms / 1000
            await self._sleep(wait_ms / 1000)
            if time.monotonic() - due <= self.delay_ms / 2000:
                break
            self.crawler.stats.inc_value("crossmusim/cluster/rate_turns_missed")
        return turns


class SharedRateDownloadHandler:
    """The crawl's download handler for `scheme`, sending only on the cluster's turns."""

    scheme: ClassVar[str]
    lazy = False  # the wrapped handler may listen for engine_started (scrapy-playwright does)

    def __init__(self, crawler: Crawler) -> None:
        path = crawler.settings.getdict(INNER_HANDLERS)[self.scheme]
        self.inner = build_from_crawler(load_object(path), crawler)
        if not inspect.iscoroutinefunction(self.inner.download_request):
            raise UserError(f"download handler {path}: the shared rate needs an async download_request (Scrapy 2.14+)")
        self.rate = SharedRate(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRateDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        await self.rate.wait_for_turn(urlsplit(request.url).hostname or "")
        return await self.inner.download_request(request)

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await ensure_awaitable(close())


class SharedRateHttpHandler(SharedRateDownloadHandler):
    scheme = "http"


class SharedRateHttpsHandler(SharedRateDownloadHandler):
    scheme = "https"
