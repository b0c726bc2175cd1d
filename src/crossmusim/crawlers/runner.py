"""Run one crawl in this process and write its statistics; the CLI and the demo call this."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess

from crossmusim.crawlers.cluster.keys import new_worker_id
from crossmusim.crawlers.cluster.redis_check import ping_redis
from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.parsing.site_urls import SITE_URL
from crossmusim.crawlers.settings import build_settings
from crossmusim.crawlers.spiders.baike import BaikeSpider
from crossmusim.crawlers.state import SONGS_FILE, STATE_DIR, STATS_FILE, CrawlState
from crossmusim.errors import CrawlBlockedError, UserError
from crossmusim.extras import require
from crossmusim.io import JsonlAppender, atomic_write_json, read_jsonl
from crossmusim.logs import log_to_file, quiet_third_party_loggers
from crossmusim.outputs import check_output_folder

SPIDERS = {"baike": BaikeSpider}
LOG_FILE = "crawl.log"
RUNS_FILE = "runs.jsonl"


def _grouped(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


def summarise(
    stats: dict[str, Any], config: CrawlConfig, state: CrawlState, duration: float, songs_total: int
) -> dict[str, Any]:
    return {
        "site": config.site,
        "base_url": config.base_url,
        "finish_reason": stats.get("finish_reason"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(duration, 3),
        "resumed": config.resume,
        "pages_fetched": int(stats.get("downloader/response_count", 0)),
        "search_pages": int(stats.get("crossmusim/search_pages", 0)),
        "search_pages_replayed": int(stats.get("crossmusim/search_pages_replayed", 0)),
        "search_ended": _grouped(stats, "crossmusim/search_end/"),
        "search_full_pages_without_next_link": int(stats.get("crossmusim/search_full_page_without_next_link", 0)),
        "item_pages": int(stats.get("crossmusim/item_pages", 0)),
        "items": int(stats.get("crossmusim/songs_written", 0)),
        "songs_before": state.songs_before,
        "songs_total": songs_total,
        "skipped": _grouped(stats, "crossmusim/skipped/"),
        "text_unassigned": int(stats.get("crossmusim/text_unassigned", 0)),  # paragraphs in no field
        "dropped": _grouped(stats, "crossmusim/dropped/"),
        "failed": _grouped(stats, "crossmusim/failed/"),
        "blocked": int(stats.get("crossmusim/blocked", 0)),
        "blocked_by_reason": _grouped(stats, "crossmusim/blocked/"),
        "throttled": int(stats.get("crossmusim/throttled", 0)),
        "retries": int(stats.get("retry/count", 0)),
        "retry_reasons": _grouped(stats, "retry/reason_count/"),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "offsite_refused": int(stats.get("offsite/filtered", 0)),
        "http_status": _grouped(stats, "downloader/response_status_count/"),
    }


def check_output_dir(config: CrawlConfig) -> None:
    check_output_folder(config.out_dir, "crawl")
    songs = config.out_dir / SONGS_FILE
    if songs.exists() and songs.stat().st_size > 0 and not config.resume:
        raise UserError(f"{songs} already holds a crawl: add --resume to continue it, or choose another --out")


def check_render(config: CrawlConfig) -> None:
    if not config.render_js:
        return
    require("scrapy_playwright", "render")
    if not Path(config.chromium_path).exists():
        raise UserError(
            f"no Chromium at {config.chromium_path}: install it (Debian: apt-get install chromium) "
            "or pass --chromium PATH"
        )


def check_base_url(url: str | None) -> None:
    """None is the real site; anything else must be an http(s) URL with a host and a valid port."""
    if url is None:
        return
    parts = urlsplit(url)
    try:
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:
        raise UserError(f"--base-url {url!r} must be http(s)://host[:port]")


def check_cluster(config: CrawlConfig) -> str | None:
    """For a shared crawl: Redis answers; return this worker's id (None for a crawl of its own)."""
    if not config.redis_url:
        return None
    require("scrapy_redis", "cluster")
    if config.max_pages is not None:
        raise UserError(
            "--max-pages bounds a crawl of one process; a shared crawl ends when its queue is empty "
            "(stop a worker early with --set CLOSESPIDER_PAGECOUNT=N)"
        )
    ping_redis(config.redis_url)
    return new_worker_id(config.worker_name)


def run_crawl(config: CrawlConfig) -> dict[str, Any]:
    """Crawl, append songs to `out_dir/songs.jsonl`, write `crawl-stats.json`; return the stats."""
    check_base_url(config.base_url)
    if config.site not in SPIDERS:
        raise UserError(f"unknown site {config.site!r}: choose one of {', '.join(SPIDERS)}")
    check_output_dir(config)
    check_render(config)
    worker_id = check_cluster(config)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    state = CrawlState.load(config.out_dir, resume=config.resume, frontier=worker_id is None)
    state.open()
    process = CrawlerProcess(build_settings(config, worker_id))
    quiet_third_party_loggers()  # Scrapy reset the levels while configuring its logging
    crawler = process.create_crawler(SPIDERS[config.site])
    started = time.monotonic()
    try:
        with log_to_file(config.out_dir / LOG_FILE):
            process.crawl(crawler, config=config, state=state)
            process.start()
    finally:
        state.close()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    songs_path = config.out_dir / SONGS_FILE
    songs_total = sum(1 for _ in read_jsonl(songs_path)) if songs_path.exists() else 0
    summary = summarise(stats, config, state, time.monotonic() - started, songs_total)
    if worker_id is not None:
        cluster = _grouped(stats, "crossmusim/cluster/")
        summary["cluster"] = {"worker": worker_id, "redis_key": config.redis_key, **cluster}
    atomic_write_json(config.out_dir / STATS_FILE, summary)
    with JsonlAppender(config.out_dir / STATE_DIR / RUNS_FILE) as runs:
        runs.write(summary)  # one line per run: resumed crawls keep the history of earlier runs
    if summary["finish_reason"] == "unreachable" or summary["pages_fetched"] == 0:
        # A crawl that fetched nothing never counts as done (exit 1, one line).
        where = config.base_url or SITE_URL
        reason = stats.get("crossmusim/unreachable") or "no page was fetched"
        raise UserError(f"cannot reach {where} ({reason}): check --base-url and that the site is up")
    if summary["finish_reason"] == "blocked":
        raise CrawlBlockedError(
            f"the site kept answering with challenge pages ({summary['blocked']} blocked); "
            f"stopped cleanly with {songs_total} songs kept in {songs_path}: wait a while, "
            "then rerun with --resume"
        )
    return summary
