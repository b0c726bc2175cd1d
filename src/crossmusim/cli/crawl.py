"""Harvest song pages from a Chinese web encyclopedia by search queries (polite and resumable)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import typer

from crossmusim.cli import options as opt
from crossmusim.cli.options import OutDir
from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.terms import load_terms
from crossmusim.demo.site import LocalSite, SiteSpec, demo_site_dir, demo_terms_file
from crossmusim.errors import UserError

logger = logging.getLogger("crossmusim.crawl")


def crawl(
    out: Path = OutDir,
    site: str = typer.Option(CrawlConfig.site, "--site", help="Site spider to use."),
    base_url: str = typer.Option(None, "--base-url", help="Crawl a mirror/local copy of the site at this URL."),
    terms: str = typer.Option("default", "--terms", help="'default' (built-in lists) or a terms file."),
    max_pages: int = typer.Option(None, "--max-pages", min=1, help="Fetch at most this many item pages."),
    resume: bool = typer.Option(False, "--resume", help="Continue a stopped crawl in the same --out."),
    cache: bool = typer.Option(False, "--cache", help="Keep an HTTP cache of successful pages."),
    render: str = typer.Option(None, "--render", help="'js': render item pages in Chromium."),
    chromium: str = typer.Option(CrawlConfig.chromium_path, "--chromium", help="Chromium executable for --render js."),
    user_agent: str = opt.CrawlUserAgent,
    delay: float = opt.CrawlDelay,
    timeout: float = opt.CrawlTimeout,
    retry_backoff: float = opt.CrawlRetryBackoff,
    block_backoff: float = typer.Option(
        CrawlConfig.block_backoff_s, "--block-backoff", min=0.0, help="First wait after a challenge page (doubles)."
    ),
    max_blocked: int = typer.Option(
        CrawlConfig.max_consecutive_blocks,
        "--max-blocked",
        min=1,
        help="Stop after this many challenge pages in a row.",
    ),
    scrapy_settings: list[str] = typer.Option(
        None, "--set", "-s", help="Any Scrapy setting, KEY=VALUE (repeatable; VALUE parsed as JSON when it is)."
    ),
    demo: bool = typer.Option(False, "--demo", help="Serve the bundled demo site on loopback and crawl it."),
    redis_url: str = typer.Option(
        None,
        "--redis-url",
        envvar="CROSSMUSIM_REDIS_URL",
        help="Join a crawl shared through this Redis server (redis://HOST:6379/0); one per worker.",
    ),
    redis_key: str = typer.Option(
        CrawlConfig.redis_key, "--redis-key", help="Prefix of the shared crawl's Redis keys (one per crawl)."
    ),
    worker_name: str = typer.Option(None, "--worker-name", help="This worker's name in a shared crawl."),
) -> None:
    if render not in (None, "js"):
        raise UserError(f"--render {render!r} is not supported: use --render js")
    if demo and base_url:
        raise UserError("--demo serves its own site: drop --base-url")
    config = CrawlConfig(
        out_dir=out,
        terms=load_terms(terms),
        site=site,
        base_url=base_url,
        max_pages=max_pages,
        resume=resume,
        cache=cache,
        render_js=render == "js",
        chromium_path=chromium,
        download_delay=delay,
        timeout_s=timeout,
        backoff_base_s=retry_backoff,
        block_backoff_s=block_backoff,
        max_consecutive_blocks=max_blocked,
        extra_settings=parse_settings(scrapy_settings or []),
        redis_url=redis_url,
        redis_key=redis_key,
        worker_name=worker_name,
    )
    if user_agent:
        config.user_agent = user_agent
    if demo:
        summary = _crawl_demo(config, terms_given=terms != "default")
    else:
        from crossmusim.crawlers.runner import run_crawl  # Scrapy and Twisted: only when crawling

        summary = run_crawl(config)
    _print_summary(summary, out)


def parse_settings(pairs: list[str]) -> dict[str, object]:
    """`-s DOWNLOAD_DELAY=2 -s HTTPCACHE_DIR=/tmp/c` -> {"DOWNLOAD_DELAY": 2, "HTTPCACHE_DIR": "/tmp/c"}."""
    settings: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set DOWNLOAD_DELAY=2")
        try:
            settings[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            settings[key.strip()] = value
    return settings


def _crawl_demo(config: CrawlConfig, *, terms_given: bool) -> dict:
    with LocalSite(SiteSpec.from_dir(demo_site_dir())) as url:
        typer.echo(f"demo: serving the bundled encyclopedia pages at {url}", err=True)
        # Our own loopback server: short waits keep the demo quick; the logic is the real one.
        demo_config = replace(
            config,
            base_url=url,
            download_delay=min(config.download_delay, 0.1),
            timeout_s=min(config.timeout_s, 2.0),
            backoff_base_s=min(config.backoff_base_s, 0.5),
            block_backoff_s=min(config.block_backoff_s, 0.5),
            progress_interval_s=2.0,
            terms=config.terms if terms_given else load_terms(demo_terms_file()),
        )
        from crossmusim.crawlers.runner import run_crawl

        return run_crawl(demo_config)


def _print_summary(summary: dict, out: Path) -> None:
    skipped = ", ".join(f"{k} {v}" for k, v in summary["skipped"].items()) or "none"
    dropped = ", ".join(f"{k} {v}" for k, v in summary["dropped"].items()) or "none"
    typer.echo(
        f"crawl {summary['finish_reason']}: {summary['items']} new songs "
        f"({summary['songs_total']} in {out / 'songs.jsonl'}), {summary['pages_fetched']} pages "
        f"in {summary['duration_s']:.1f} s; skipped: {skipped}; dropped: {dropped}; "
        f"blocked {summary['blocked']}, retries {summary['retries']}, "
        f"robots.txt refused {summary['robots_forbidden']}, off-site refused {summary['offsite_refused']}"
    )
