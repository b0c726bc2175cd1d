"""A real HTTP server on loopback that serves an encyclopedia-shaped site.

It backs `crossmusim crawl --demo`, the tests and the benchmark, as Scrapy's own mock server does
for Scrapy: search pages with pagination (generated from the site's index), item pages from files
(in any encoding), robots.txt, redirects, and injected faults (HTTP errors, 429 with Retry-After,
slow answers, challenge pages, captcha redirects) so that politeness and recovery are tested for real.
"""

from __future__ import annotations

import argparse
import html
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from crossmusim.demo.loopback import LoopbackHTTPServer, send

CAPTCHA_URL = "https://wappass.baidu.com/static/captcha/tuxing.html?ak=demo&backurl={back}"


@dataclass
class Entry:
    path: str  # decoded, e.g. /item/晴天/3053
    terms: list[str] = field(default_factory=list)
    abstract: str = ""
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    redirect: str | None = None
    fault: dict[str, Any] | None = None
    href: str | None = None  # how search results link to it, when not a relative link

    @property
    def link(self) -> str:
        return self.href or quote(self.path)

    @property
    def title(self) -> str:
        return self.path.split("/")[2]


@dataclass
class SiteSpec:
    entries: list[Entry]
    robots: str = "User-agent: *\nDisallow:\n"
    page_size: int = 10
    challenge: bytes = b""
    name: str = "local encyclopedia"
    pager: str = "classic"  # how search pages link to the next one: one of PAGER_STYLES

    @classmethod
    def from_dir(cls, root: str | Path) -> SiteSpec:
        root = Path(root)
        meta = json.loads((root / "site.json").read_text(encoding="utf-8"))
        entries = []
        for raw in meta["entries"]:
            body = (root / "pages" / raw["file"]).read_bytes() if raw.get("file") else b""
            entries.append(
                Entry(
                    path=raw["path"],
                    terms=raw.get("terms", []),
                    abstract=raw.get("abstract", ""),
                    body=body,
                    content_type=raw.get("content_type", "text/html; charset=utf-8"),
                    redirect=raw.get("redirect"),
                    fault=raw.get("fault"),
                    href=raw.get("href"),
                )
            )
        return cls(
            entries=entries,
            robots=meta.get("robots", "User-agent: *\nDisallow:\n"),
            page_size=int(meta.get("page_size", 10)),
            challenge=(root / "challenge.html").read_bytes(),
            name=meta.get("name", ""),
        )


def demo_site_dir() -> Path:
    """The site bundled with the package (pages of both layouts, several encodings, faults)."""
    return Path(str(resources.files("crossmusim.demo") / "data" / "site"))


def demo_terms_file() -> Path:
    return demo_site_dir() / "terms.tsv"


def _page_url(term: str, pn: int, page_size: int) -> str:
    return html.escape(f"/search/none?word={quote(term)}&pn={pn}&rn={page_size}&enc=utf8")


def render_pager(style: str, term: str, pn: int, total: int, page_size: int) -> str:
    """The search page's pager in one of the markups real sites use (none: no pager at all)."""
    if style == "none" or pn + page_size >= total:
        return ""
    nxt, prev = _page_url(term, pn + page_size, page_size), _page_url(term, max(0, pn - page_size), page_size)
    back = pn > 0
    if style == "classic":
        return f'<div id="pager" class="page"><a class="next" href="{nxt}">下一页&gt;</a></div>'
    if style == "baidu":  # Baidu's own: both directions share class "n"
        previous = f'<a class="n" href="{prev}">&lt;上一页</a>' if back else ""
        here = f"<strong>{pn // page_size + 1}</strong>"
        return f'<div id="page">{previous}{here}<a class="n" href="{nxt}">下一页&gt;</a></div>'
    if style == "rel":
        return f'<nav class="pages"><a href="{prev}">1</a><a rel="next" href="{nxt}">{pn // page_size + 2}</a></nav>'
    if style == "arrow":
        return f'<ul class="pagination"><li><a href="{prev}">&lt;</a></li><li><a href="{nxt}">&gt;</a></li></ul>'
    raise ValueError(f"unknown pager style {style!r}: choose one of {', '.join(PAGER_STYLES)}")


PAGER_STYLES = ("classic", "baidu", "rel", "arrow", "none")


def render_search_page(
    term: str, hits: list[Entry], pn: int, total: int, page_size: int, pager: str = "classic"
) -> str:
    items = "\n".join(
        f'<dd><a class="result-title" href="{html.escape(e.link)}" target="_blank">'
        f"<em>{html.escape(e.title)}</em></a>"
        f'<p class="result-summary">{html.escape(e.abstract)}</p>'
        f'<div><span class="result-date">2023-05-01</span></div></dd>'
        for e in hits
    )
    pager_html = render_pager(pager, term, pn, total, page_size)
    empty = "" if hits else f'<div class="no-result">抱歉，没有找到与“{html.escape(term)}”相关的百科词条。</div>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度百科_全球领先的中文百科全书</title>'
        '</head><body><div class="header"><form action="/search/none"><input name="word" '
        f'value="{html.escape(term)}"></form></div><div class="body-wrapper"><div class="searchResult">'
        f'<dl class="search-list">{items}</dl>{empty}{pager_html}</div></div></body></html>'
    )


class LocalSite:
    """Serve a `SiteSpec` on 127.0.0.1 from a background thread (`with LocalSite(spec) as url:`)."""

    def __init__(
        self,
        spec: SiteSpec,
        *,
        delay: float = 0.0,
        block_after: int | None = None,
        captcha_redirect: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.spec = spec
        self.delay = delay
        self.block_after = block_after
        self.captcha_redirect = captcha_redirect
        self._by_path = {e.path: e for e in spec.entries}
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.log: list[tuple[float, str]] = []  # (arrival time, hit key), in arrival order
        self._requests = 0
        self._server = LoopbackHTTPServer((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.user_agents.clear()
            self.log.clear()
            self._requests = 0

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="localsite", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling -------------------------------------------------------------------------
    def _answer(self, raw_path: str, user_agent: str = "") -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, delay) for a request path; counts the hit."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        hit_key = path + (f"?{unquote(parts.query)}" if parts.query else "")
        with self._lock:
            self.user_agents.add(user_agent)
            self.hits[hit_key] += 1
            self.log.append((time.monotonic(), hit_key))
            self._requests += 1
            nth_hit, nth_request = self.hits[hit_key], self._requests
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, self.spec.robots.encode(), 0.0
        if self.block_after is not None and nth_request > self.block_after:
            if self.captcha_redirect:
                return 302, {"Location": CAPTCHA_URL.format(back=quote(raw_path, safe=""))}, b"", 0.0
            return 200, html_type, self.spec.challenge, 0.0
        if path == "/search/none":
            query = parse_qs(parts.query)
            term = query.get("word", [""])[0]
            pn = int(query.get("pn", ["0"])[0] or 0)
            matching = [e for e in self.spec.entries if term and term in e.terms]
            page = matching[pn : pn + self.spec.page_size]
            body = render_search_page(term, page, pn, len(matching), self.spec.page_size, self.spec.pager)
            return 200, html_type, body.encode("utf-8"), self.delay
        entry = self._by_path.get(path)
        if entry is None:
            return 404, html_type, "<html><title>百度百科-验证</title>词条不存在</html>".encode(), 0.0
        fault = entry.fault or {}
        if fault and nth_hit <= int(fault.get("times", 1)):
            kind = fault.get("kind")
            if kind == "status":
                headers = dict(html_type)
                if "retry_after" in fault:
                    headers["Retry-After"] = str(fault["retry_after"])
                return int(fault["status"]), headers, b"<html><body>error</body></html>", 0.0
            if kind == "block":
                return 200, html_type, self.spec.challenge, 0.0
            if kind == "slow":
                return 200, {"Content-Type": entry.content_type}, entry.body, float(fault["delay"])
        if entry.redirect:
            return 302, {"Location": quote(entry.redirect)}, b"", 0.0
        return 200, {"Content-Type": entry.content_type}, entry.body, self.delay

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, headers, body, delay = site._answer(self.path, self.headers.get("User-Agent", ""))
                if delay:
                    time.sleep(delay)
                send(self, status, headers, body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve an encyclopedia-shaped site on loopback.")
    parser.add_argument("--site", type=Path, default=None, help="site folder (default: the demo site)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    site = LocalSite(SiteSpec.from_dir(args.site or demo_site_dir()), port=args.port)
    print(f"serving {site.spec.name} on {site.url} (Ctrl-C to stop)", flush=True)
    site._server.serve_until_interrupted()


if __name__ == "__main__":
    main()
