"""The Scrapy settings that make a crawl one worker of a shared crawl."""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import DOWNLOAD_HANDLERS_BASE

from crossmusim.crawlers.cluster.keys import ClusterKeys
from crossmusim.crawlers.cluster.rate import INNER_HANDLERS

_PKG = "crossmusim.crawlers.cluster"


def cluster_settings(settings: dict[str, Any], redis_url: str, prefix: str, worker: str) -> dict[str, Any]:
    """`settings` (a single crawl's) changed to share its queue, filter and songs via Redis (the rate: below)."""
    keys = ClusterKeys(prefix)
    out = dict(settings)
    out.update(
        {
            "REDIS_URL": redis_url,
            "SCHEDULER": f"{_PKG}.scheduler.ClusterScheduler",
            "SCHEDULER_QUEUE_CLASS": f"{_PKG}.queue.ReliablePriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys.queue,
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,  # a stopped cluster resumes from the queue Redis keeps
            "CROSSMUSIM_CLUSTER_PREFIX": prefix,
            "CROSSMUSIM_CLUSTER_WORKER": worker,
        }
    )
    pipelines = dict(settings.get("ITEM_PIPELINES", {}))
    pipelines.pop("crossmusim.crawlers.pipelines.DuplicateSongPipeline", None)  # the claim replaces it
    pipelines[f"{_PKG}.pipelines.ClusterSongClaimPipeline"] = 100
    pipelines[f"{_PKG}.pipelines.ClusterSongDonePipeline"] = 950
    out["ITEM_PIPELINES"] = pipelines
    downloader = dict(settings.get("DOWNLOADER_MIDDLEWARES", {}))
    downloader[f"{_PKG}.middlewares.FailureAckMiddleware"] = 10  # outermost: sees only final failures
    out["DOWNLOADER_MIDDLEWARES"] = downloader
    spider_mw = dict(settings.get("SPIDER_MIDDLEWARES", {}))
    spider_mw[f"{_PKG}.middlewares.OutputAckMiddleware"] = 1  # outermost: sees the final output
    out["SPIDER_MIDDLEWARES"] = spider_mw
    extensions = dict(settings.get("EXTENSIONS", {}))
    extensions[f"{_PKG}.extension.ClusterWorker"] = 100
    out["EXTENSIONS"] = extensions
    return out


def shared_rate_handlers(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings that send `settings`' own HTTP(S) download handlers through the shared rate.

    Applied last (after `-s` overrides), so a user's own handler is wrapped, not bypassed.
    """
    handlers = dict(settings.get("DOWNLOAD_HANDLERS", {}))
    inner = {scheme: handlers.get(scheme, DOWNLOAD_HANDLERS_BASE[scheme]) for scheme in ("http", "https")}
    handlers.update({"http": f"{_PKG}.rate.SharedRateHttpHandler", "https": f"{_PKG}.rate.SharedRateHttpsHandler"})
    return {INNER_HANDLERS: inner, "DOWNLOAD_HANDLERS": handlers}
