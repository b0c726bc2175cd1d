"""Scrapy settings of a crawl: polite by default, as a demanding Scrapy user would set them."""

from __future__ import annotations

from typing import Any

from crossmusim import __version__
from crossmusim.crawlers.config import CrawlConfig

_PKG = "crossmusim.crawlers"

# Statuses worth another try; 429 waits for Retry-After.
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]


def build_settings(config: CrawlConfig, worker_id: str | None = None) -> dict[str, Any]:
    """The crawl's Scrapy settings; with `config.redis_url`, those of worker `worker_id` of a shared crawl."""
    state_dir = config.out_dir / ".crawl-state"
    settings: dict[str, Any] = {
        "BOT_NAME": "crossmusim",
        "USER_AGENT": config.user_agent.format(version=__version__),
        "ROBOTSTXT_OBEY": config.obey_robots,
        "CONCURRENT_REQUESTS": 16 if not config.polite else 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency_per_domain,
        "DOWNLOAD_DELAY": config.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,  # +-50 %, so requests do not tick like a bot
        "AUTOTHROTTLE_ENABLED": config.polite,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": config.timeout_s,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": config.retry_times,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        # A callback yields at most a page of links or one song; Scrapy's default of 100 starts 100
        # asyncio workers per response, which costs more than the parsing itself.
        "CONCURRENT_ITEMS": 16,
        "COOKIES_ENABLED": False,  # sessions are not needed and make blocking likelier
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,  # our root handler shows Scrapy records at the levels crossmusim.logs sets
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,  # crossmusim.logs owns the root handler
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "FEED_EXPORT_ENCODING": "utf-8",
        "DOWNLOADER_MIDDLEWARES": {
            # Sees a captcha redirect before RedirectMiddleware (600) would follow it off-site.
            f"{_PKG}.middlewares.BlockPageMiddleware": 650,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            f"{_PKG}.middlewares.BackoffRetryMiddleware": 550,
            # Before the retry middleware in exception order (higher runs first): sees every failure.
            f"{_PKG}.middlewares.UnreachableSiteMiddleware": 560,
        },
        "ITEM_PIPELINES": {
            f"{_PKG}.pipelines.DuplicateSongPipeline": 100,
            f"{_PKG}.pipelines.JsonlSongWriterPipeline": 900,
        },
        "EXTENSIONS": {
            "scrapy.extensions.logstats.LogStats": None,
            f"{_PKG}.extensions.CrawlProgress": 500,
        },
        "CROSSMUSIM_OUT_DIR": str(config.out_dir),
        "CROSSMUSIM_BACKOFF_BASE": config.backoff_base_s,
        "CROSSMUSIM_BACKOFF_MAX": config.backoff_max_s,
        "CROSSMUSIM_BLOCK_BACKOFF": config.block_backoff_s,
        "CROSSMUSIM_BLOCK_RETRIES": config.block_retries,
        "CROSSMUSIM_MAX_CONSECUTIVE_BLOCKS": config.max_consecutive_blocks,
        "CROSSMUSIM_PROGRESS_INTERVAL": config.progress_interval_s,
    }
    if config.cache:
        settings.update(
            {
                "HTTPCACHE_ENABLED": True,
                "HTTPCACHE_DIR": str(state_dir / "httpcache"),
                "HTTPCACHE_POLICY": f"{_PKG}.middlewares.SuccessOnlyCachePolicy",
                "HTTPCACHE_EXPIRATION_SECS": 0,
                "HTTPCACHE_GZIP": True,
            }
        )
    if config.render_js:
        settings.update(render_settings(config.chromium_path))
    if config.redis_url:
        from crossmusim.crawlers.cluster.settings import cluster_settings  # needs the cluster extra

        settings = cluster_settings(settings, config.redis_url, config.redis_key, worker_id or "worker")
    settings.update(config.extra_settings)
    if config.redis_url:  # after -s, so a user's own download handler is wrapped too
        from crossmusim.crawlers.cluster.settings import shared_rate_handlers

        settings.update(shared_rate_handlers(settings))
    return settings


def render_settings(chromium_path: str) -> dict[str, Any]:
    """scrapy-playwright with a system Chromium (browser downloads are not needed)."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": chromium_path,
            "headless": True,
            # Without these, Chromium keeps dialling Google services that a closed network refuses.
            "args": [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }
