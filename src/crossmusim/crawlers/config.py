"""The crawl's configuration: defaults are the polite, documented behaviour (the CLI reads them here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.records import QueryTerm

DEFAULT_USER_AGENT = "crossmusim/{version} (+https://github.com/crossmusim/crossmusim; music-research crawler)"


@dataclass
class CrawlConfig:
    """Everything one crawl needs; `crossmusim crawl` fills it from the command line."""

    out_dir: Path
    terms: list[QueryTerm]
    site: str = "baike"
    base_url: str | None = None  # None: the real site
    max_pages: int | None = None  # item pages to fetch at most
    resume: bool = False
    cache: bool = False
    render_js: bool = False
    chromium_path: str = "/usr/bin/chromium"
    user_agent: str = DEFAULT_USER_AGENT
    # Politeness: one request at a time per domain, about a second apart, AutoThrottle on.
    polite: bool = True
    download_delay: float = 1.0
    concurrency_per_domain: int = 1
    obey_robots: bool = True
    timeout_s: float = 30.0
    retry_times: int = 3
    backoff_base_s: float = 2.0  # retry n waits base * 2**(n-1), or the server's Retry-After
    backoff_max_s: float = 120.0
    block_backoff_s: float = 60.0  # first wait after a challenge page; doubles each time
    block_retries: int = 2  # retries of one blocked request
    max_consecutive_blocks: int = 4  # then the crawl stops cleanly
    search_rows: int = 10
    progress_interval_s: float = 10.0
    extra_settings: dict[str, object] = field(default_factory=dict)
    # A shared crawl (scrapy-redis): the Redis server, the crawl's key prefix, this worker's name.
    redis_url: str | None = None
    redis_key: str = "crossmusim:baike"
    worker_name: str | None = None
