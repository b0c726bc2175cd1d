"""Middlewares of a shared crawl: the acknowledgements of the requests it popped.

A popped request is done when its outcome is final: the callback's output has been handled (its
new requests queued, its items through the pipelines) or the download failed for good.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crossmusim.crawlers.cluster.connection import ClusterComponent
from crossmusim.crawlers.cluster.queue import TOKEN_META, ack

logger = logging.getLogger(__name__)


class FailureAckMiddleware(ClusterComponent):
    """Outermost downloader middleware: an exception that reaches it is final (retries gave up)."""

    def process_exception(self, request: Request, exception: BaseException) -> None:
        ack(self.server, self.keys, self.worker, request)
        return None


class OutputAckMiddleware(ClusterComponent):
    """Outermost spider middleware: ack a response's request once its output is all handled.

    Items are counted until the pipelines have dealt with them (scraped, dropped or failed), since
    the scraper handles several outputs at once and the callback can end before its last item is
    written.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._items: Counter[str] = Counter()  # token -> items not yet through the pipelines
        self._finished: dict[str, Request] = {}  # token -> request whose callback has ended
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for output in result:
                self._count(response, output)
                yield output
        finally:
            self._callback_ended(response)

    def _count(self, response: Response, output: Any) -> None:
        token = response.meta.get(TOKEN_META)
        if token and output is not None and not isinstance(output, Request):
            self._items[token] += 1

    def _callback_ended(self, response: Response) -> None:
        token = response.meta.get(TOKEN_META)
        if token:
            self._finished[token] = response.request
            self._maybe_ack(token)

    def _item_done(self, response: Response | None = None, **_: Any) -> None:
        token = response.meta.get(TOKEN_META) if isinstance(response, Response) else None
        if token and self._items[token] > 0:
            self._items[token] -= 1
            self._maybe_ack(token)

    def _maybe_ack(self, token: str) -> None:
        if self._items[token] == 0 and token in self._finished:
            del self._items[token]
            ack(self.server, self.keys, self.worker, self._finished.pop(token))
