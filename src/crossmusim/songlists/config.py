"""What one `crossmusim songs` run is given (the CLI fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.crawlers.config import CrawlConfig


@dataclass
class SongsConfig:
    charts: list[str]
    out: Path
    artists: Path | None = None
    max_year: int | None = 2020
    min_charts: int = 1
    top: int | None = None
    site_url: str | None = None  # the encyclopedia of the artists' pages (None: the real site)
    work_dir: Path | None = None  # HTTP cache and fetch log (default: OUT's name + '.pages')
    # The crawl's politeness defaults, so `songs` and `crawl` treat a site alike.
    delay: float = CrawlConfig.download_delay
    timeout: float = CrawlConfig.timeout_s
    retry_backoff: float = CrawlConfig.backoff_base_s  # first retry wait; it doubles (Retry-After wins)
    user_agent: str | None = None
    notes: list[str] = field(default_factory=list)  # one-line notes for the user (columns not used...)

    @property
    def pages_dir(self) -> Path:
        return self.work_dir or self.out.with_name(self.out.name + ".pages")
