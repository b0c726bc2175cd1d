"""scrapy-redis's scheduler, handing over the in-flight entry of a request that comes back.

A retry or a redirect is a new request made from one this worker popped: once the new one is in
the shared queue (or filtered as seen), the popped one is done and its in-flight entry goes.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.scheduler import Scheduler

from crossmusim.crawlers.cluster.keys import ClusterKeys
from crossmusim.crawlers.cluster.queue import ack


class ClusterScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.keys = ClusterKeys(crawler.settings["CROSSMUSIM_CLUSTER_PREFIX"])
        scheduler.worker = crawler.settings["CROSSMUSIM_CLUSTER_WORKER"]
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        queued = not (not request.dont_filter and self.df.request_seen(request))
        if queued:
            self.queue.push(request)  # the queue drops the old token when it encodes the request
            self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        ack(self.server, self.keys, self.worker, request)  # pushed first: a crash between loses nothing
        return queued

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
