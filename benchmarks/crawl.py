"""Crawl throughput: crossmusim's crawl against a bare Scrapy spider that only follows the same links.

Both crawl the same loopback site of N synthetic song pages (both layouts) with politeness off
(no delay, no AutoThrottle, 16 concurrent requests, CONCURRENT_ITEMS 16 on both sides), each in its
own process, alternating, in the same run. Goal: crossmusim >= 0.8x the bare spider's pages/s.

    python benchmarks/crawl.py [--songs 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TERMS = ("流行", "摇滚", "民谣", "伤感", "浪漫", "毕业", "粤语", "怀旧")
CONCURRENCY = 16


def impolite_settings() -> dict:
    return {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "ROBOTSTXT_OBEY": False,
        "LOG_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        # crossmusim's own setting (Scrapy's default is 100): both sides get it, so the ratio compares
        # the implementations, not this configuration.
        "CONCURRENT_ITEMS": 16,
    }


def run_crossmusim(base_url: str, out: Path) -> dict:
    from crossmusim.crawlers.config import CrawlConfig
    from crossmusim.crawlers.runner import run_crawl
    from crossmusim.records import QueryTerm

    config = CrawlConfig(
        out_dir=out,
        terms=[QueryTerm(t, "genre") for t in TERMS],
        base_url=base_url,
        polite=False,
        download_delay=0,
        concurrency_per_domain=CONCURRENCY,
        obey_robots=False,
        progress_interval_s=0,
        extra_settings=impolite_settings(),
    )
    started = time.perf_counter()
    summary = run_crawl(config)
    return {
        "pages": summary["pages_fetched"],
        "seconds": time.perf_counter() - started,
        "songs": summary["songs_total"],
    }


def run_bare(base_url: str) -> dict:
    """The peer: follows result and next-page links, parses nothing, stores nothing."""
    from urllib.parse import quote

    import scrapy
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for term in TERMS:
                yield scrapy.Request(
                    f"{base_url}/search/none?word={quote(term)}&pn=0&rn=10&enc=utf8", callback=self.parse_search
                )

        def parse_search(self, response):
            for href in response.css("a.result-title::attr(href)").getall():
                yield response.follow(href, callback=self.parse_item)
            next_href = response.xpath("//*[@id='pager']//a[contains(., '下一页')]/@href").get()
            if next_href:
                yield response.follow(next_href, callback=self.parse_search)

        def parse_item(self, response):
            return None

    process = CrawlerProcess(impolite_settings())
    crawler = process.create_crawler(BareSpider)
    started = time.perf_counter()
    process.crawl(crawler)
    process.start()
    return {
        "pages": crawler.stats.get_value("downloader/response_count", 0),
        "seconds": time.perf_counter() - started,
        "songs": 0,
    }


def worker(kind: str, base_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_crossmusim(base_url, Path(tmp) / "out") if kind == "crossmusim" else run_bare(base_url)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", choices=["crossmusim", "bare"])
    parser.add_argument("--base-url")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.base_url)
        return

    from crossmusim.demo.site import LocalSite
    from crossmusim.testing.synthetic_site import synthetic_spec

    site = LocalSite(synthetic_spec(args.songs, TERMS))
    base_url = site.start()
    results: dict[str, list[dict]] = {"crossmusim": [], "bare": []}
    try:
        for _ in range(args.rounds):
            for kind in ("bare", "crossmusim"):
                proc = subprocess.run(
                    [sys.executable, __file__, "--worker", kind, "--base-url", base_url],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[kind].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                site.reset()
    finally:
        site.stop()
    rates = {k: [r["pages"] / r["seconds"] for r in v] for k, v in results.items()}
    ours, peer = statistics.median(rates["crossmusim"]), statistics.median(rates["bare"])
    print(f"site: {args.songs} song pages on loopback, politeness off, concurrency {CONCURRENCY}")
    print(
        f"crossmusim crawl: {ours:8.1f} pages/s  (runs: {', '.join(f'{r:.1f}' for r in rates['crossmusim'])};"
        f" songs written: {results['crossmusim'][-1]['songs']})"
    )
    print(f"bare Scrapy:      {peer:8.1f} pages/s  (runs: {', '.join(f'{r:.1f}' for r in rates['bare'])})")
    print(f"ratio crossmusim / bare = {ours / peer:.2f}x  (goal >= 0.80x)")


if __name__ == "__main__":
    main()
