"""`crossmusim parse-page`: what the crawler would make of one page, and why (like `scrapy parse`).

A saved file or a URL goes through the crawl's own parsing functions; the answer is one JSON object:
the verdict (`song`, `not_song`, `blocked`, `empty_page`), the reason, how many content paragraphs
went into no field (`text_unassigned`), and the record with every field of `songs.jsonl` plus all
sections by heading (non-songs are parsed too, to show why).
A URL is fetched politely: robots.txt is asked first, with the crawl's User-Agent.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
import urllib.robotparser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crossmusim.crawlers.parsing.blocks import detect_block
from crossmusim.crawlers.parsing.html import decode_html
from crossmusim.crawlers.parsing.lemma_page import parse_lemma
from crossmusim.crawlers.parsing.songs import classify_lemma, song_from_lemma
from crossmusim.errors import UserError


def page_report(html: str, url: str, *, status: int = 200, location: str | None = None) -> dict[str, Any]:
    blocked = detect_block(html, status, location)
    if blocked is not None:
        return {"verdict": "blocked", "reason": blocked, "record": None}
    lemma = parse_lemma(html, url)
    verdict, reason = classify_lemma(lemma)
    record = dataclasses.asdict(song_from_lemma(lemma, url))
    record["all_sections"] = dict(lemma.sections)
    # Paragraphs that went into no field: a layout variant the parser misses (0 on a page it knows).
    return {"verdict": verdict, "reason": reason, "text_unassigned": lemma.text_unassigned, "record": record}


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def read_saved(path: Path) -> str:
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a saved page (an HTML file) or an http(s) URL")
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a saved page or an http(s) URL)")
    return decode_html(path.read_bytes())


def robots_allow(url: str, user_agent: str, timeout: float) -> None:
    parts = urlsplit(url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    parser = urllib.robotparser.RobotFileParser()
    try:
        request = urllib.request.Request(robots_url, headers={"User-Agent": user_agent})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            parser.parse(response.read().decode("utf-8", "replace").splitlines())
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise UserError(f"{robots_url} answers {exc.code}: the site forbids crawling") from None
        return  # no robots.txt: everything is allowed
    except OSError as exc:
        raise UserError(f"cannot reach {parts.scheme}://{parts.netloc} ({exc})") from None
    if not parser.can_fetch(user_agent, url):
        raise UserError(f"robots.txt of {parts.netloc} disallows {url} for our User-Agent; not fetched")


def fetch(url: str, user_agent: str, *, timeout: float = 30.0) -> tuple[str, int, str | None]:
    """(html, status, where a redirect led) of a URL, after asking robots.txt."""
    robots_allow(url, user_agent, timeout)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, content_type, final = response.read(), response.headers.get("Content-Type"), response.geturl()
            status = response.status
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url} answered HTTP {exc.code}") from None
    except OSError as exc:
        raise UserError(f"cannot fetch {url} ({exc})") from None
    moved = final if final != url else None
    return decode_html(body, content_type), (302 if moved else status), moved


def render(url: str, user_agent: str, chromium: str, *, timeout: float = 30.0) -> str:
    """The page's HTML after its JavaScript ran, in a system Chromium (robots.txt asked first)."""
    from crossmusim.extras import require

    require("playwright", "render")
    from playwright.sync_api import sync_playwright

    if not Path(chromium).exists():
        raise UserError(f"no Chromium at {chromium}: install it (Debian: apt-get install chromium) or pass --chromium")
    robots_allow(url, user_agent, timeout)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(user_agent=user_agent)
            page.goto(url, timeout=timeout * 1000, wait_until="networkidle")
            return page.content()
        finally:
            browser.close()
