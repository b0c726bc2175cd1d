"""A worker's life in the cluster: heartbeat, taking back dead workers' requests, and the end."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crossmusim.crawlers.cluster.connection import ClusterComponent
from crossmusim.crawlers.cluster.queue import pending_work, reclaim_dead_workers, requeue

logger = logging.getLogger("crossmusim.crawl")


class ClusterWorker(ClusterComponent):
    """Keeps this worker's heartbeat key alive and decides when the shared crawl is over.

    The crawl is over when the queue is empty and no worker has a request in flight for
    `CROSSMUSIM_CLUSTER_IDLE_CLOSE` seconds in a row: no request is left that could add more.
    A worker killed with requests in flight holds the end back until its heartbeat lapses
    (`CROSSMUSIM_CLUSTER_WORKER_TTL`) and its requests are back in the queue.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.ttl_s = crawler.settings.getfloat("CROSSMUSIM_CLUSTER_WORKER_TTL", 15.0)
        self.idle_close_s = crawler.settings.getfloat("CROSSMUSIM_CLUSTER_IDLE_CLOSE", 5.0)
        self._idle_since: float | None = None
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def beat(self) -> None:
        with self.server.pipeline() as pipe:
            pipe.set(self.keys.alive(self.worker), "1", px=max(1, round(self.ttl_s * 1000)))
            pipe.sadd(self.keys.workers, self.worker)  # again: a worker thought dead comes back
            pipe.execute()

    def tick(self) -> None:
        self.beat()
        # The engine looks at an empty scheduler again only every 5 s: work other workers queued,
        # and the end of the crawl, are noticed sooner this way (there is no public call for it).
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def reclaim(self) -> None:
        """Put the requests of workers whose heartbeat lapsed back in the queue."""
        moved = reclaim_dead_workers(self.server, self.keys)
        if moved:
            logger.info("cluster: %d requests of stopped workers are back in the queue", moved)
            self.crawler.stats.inc_value("crossmusim/cluster/reclaimed", moved)

    def spider_opened(self) -> None:
        self.beat()
        self.reclaim()
        logger.info("cluster: worker %s joined", self.worker)
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(min(1.0, self.ttl_s / 3), now=False)

    def spider_idle(self) -> None:
        self.reclaim()
        own = int(self.server.hlen(self.keys.inflight(self.worker)))
        if own:
            # This worker is idle, so nothing it holds is in progress: an outcome was not
            # acknowledged. Put the requests back rather than end without them.
            logger.warning("cluster: %d requests in flight on an idle worker go back to the queue", own)
            self.crawler.stats.inc_value("crossmusim/cluster/orphans_requeued", own)
            requeue(self.server, self.keys, self.worker, force=True)
        queued, in_flight = pending_work(self.server, self.keys)
        now = time.monotonic()
        if queued or in_flight:
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_close_s:
            raise DontCloseSpider
        logger.info("cluster: the shared queue stayed empty for %.0f s; this worker is done", self.idle_close_s)

    def spider_closed(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        # Stopped early (Ctrl-C, a limit): whatever this worker held goes back for the others.
        self.server.delete(self.keys.alive(self.worker))
        moved = requeue(self.server, self.keys, self.worker, force=True)
        if moved:
            logger.info("cluster: %d requests this worker held are back in the shared queue", moved)
            self.crawler.stats.inc_value("crossmusim/cluster/requeued_on_close", moved)
        self.server.srem(self.keys.workers, self.worker)
