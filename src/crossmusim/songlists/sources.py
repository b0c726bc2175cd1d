"""Where a song list's charts come from: table files, saved HTML pages and URLs; and the artists file.
URLs and artists' pages are fetched in one polite crawl (`crawlers.pages`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crossmusim.errors import UserError
from crossmusim.io import read_text
from crossmusim.songlists.table_files import TABLE_SUFFIXES

if TYPE_CHECKING:
    from crossmusim.crawlers.spiders.pages import FetchedPage, FetchFailure
    from crossmusim.songlists.config import SongsConfig

PAGE_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class ChartSource:
    name: str  # the path or URL as given
    kind: str  # table | page | url


def _is_url(text: str) -> bool:
    return urlsplit(text).scheme in ("http", "https")


def chart_sources(specs: list[str]) -> list[ChartSource]:
    sources = []
    for spec in specs:
        if _is_url(spec):
            parts = urlsplit(spec)
            if not parts.hostname:
                raise UserError(f"--chart {spec}: a URL needs a host (http(s)://host/path)")
            sources.append(ChartSource(spec, "url"))
            continue
        path = Path(spec)
        if not path.is_file():
            raise UserError(f"--chart {spec}: no such file (give a table file, a saved HTML page or an http(s) URL)")
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            sources.append(ChartSource(spec, "table"))
        elif suffix in PAGE_SUFFIXES:
            sources.append(ChartSource(spec, "page"))
        else:
            kinds = ", ".join(TABLE_SUFFIXES + PAGE_SUFFIXES)
            raise UserError(f"--chart {spec}: unknown kind of file {suffix or '(no suffix)'}: give one of {kinds}")
    return sources


def read_artists(path: Path) -> list[str]:
    """One artist a line; blank lines and `#` comments skipped; the same name twice asked once."""
    if not path.is_file():
        raise UserError(f"--artists {path}: file not found (one artist name a line)")
    names = [line.strip() for line in read_text(path).splitlines()]
    artists = list(dict.fromkeys(n for n in names if n and not n.startswith("#")))
    if not artists:
        raise UserError(f"--artists {path}: no artist names in it (one artist name a line)")
    return artists


@dataclass
class Fetched:
    html: dict[str, str] = field(default_factory=dict)  # chart URL -> page text
    artist_pages: list[FetchedPage] = field(default_factory=list)
    artist_failures: list[FetchFailure] = field(default_factory=list)
    artists_not_found: list[str] = field(default_factory=list)


def fetch(config: SongsConfig, urls: list[str], artists: list[str]) -> Fetched:
    """The chart URLs' pages and the artists' pages; a chart URL that cannot be fetched is a one-line error."""
    if not urls and not artists:
        return Fetched()
    from crossmusim.crawlers.config import CrawlConfig
    from crossmusim.crawlers.pages import fetch_pages
    from crossmusim.crawlers.spiders.pages import FetchFailure

    crawl = CrawlConfig(out_dir=config.pages_dir, terms=[], base_url=config.site_url, cache=True,
                        download_delay=config.delay, timeout_s=config.timeout,
                        backoff_base_s=config.retry_backoff)  # fmt: skip
    if config.user_agent:
        crawl.user_agent = config.user_agent
    result = fetch_pages(crawl, urls, artists)
    for failure in result.failures:
        if failure.artist is None:
            hint = "check the URL, or give a saved copy of the page"
            if "robots.txt" in failure.reason:
                hint = "crossmusim obeys it: give a saved copy of the page instead (--chart PAGE.html)"
            raise UserError(f"--chart {failure.url}: {failure.reason}; {hint}")
    fetched = Fetched(artists_not_found=result.artists_not_found)
    for page in result.pages:
        if page.artist is None:
            fetched.html[page.url] = page.html
        else:
            fetched.artist_pages.append(page)
    unreachable = result.stats.get("crossmusim/unreachable")  # the crawl stopped: no site ever answered
    lost = f"no answer ({unreachable})" if unreachable else f"no page came back (see {config.pages_dir / 'fetch.log'})"
    missing = [u for u in urls if u not in fetched.html]
    if missing:
        raise UserError(f"--chart {missing[0]}: {lost}; check the URL, or give a saved copy of the page")
    fetched.artist_failures = [f for f in result.failures if f.artist is not None]
    accounted = {p.artist for p in fetched.artist_pages} | set(result.artists_not_found)
    accounted |= {f.artist for f in fetched.artist_failures}
    fetched.artist_failures += [FetchFailure(config.site_url or "", lost, a) for a in artists if a not in accounted]
    return fetched
