"""The Redis connection and names every cluster component shares (from the crawl's settings)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy_redis.connection import get_redis_from_settings

from crossmusim.crawlers.cluster.keys import ClusterKeys


class ClusterComponent:
    """Base of the cluster's middlewares, pipelines and extension: `server`, `keys`, `worker`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.keys = ClusterKeys(crawler.settings["CROSSMUSIM_CLUSTER_PREFIX"])
        self.worker = crawler.settings["CROSSMUSIM_CLUSTER_WORKER"]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)
