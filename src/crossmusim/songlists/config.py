"""What one `crossmusim songs` run is given (the CLI fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
    delay: float = 1.0
    timeout: float = 30.0
    retry_backoff: float = 2.0  # first retry wait; it doubles (Retry-After wins)
    user_agent: str | None = None
    notes: list[str] = field(default_factory=list)  # one-line notes for the user (columns not used...)

    @property
    def pages_dir(self) -> Path:
        return self.work_dir or self.out.with_name(self.out.name + ".pages")
