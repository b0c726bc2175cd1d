"""Challenge pages and captcha redirects: a block must count as "blocked", never as an empty page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CAPTCHA_HOSTS = ("wappass.baidu.com", "captcha", "verify.baidu.com", "seccaptcha")
_BLOCK_MARKERS = ("百度安全验证", "安全校验中", "安全驗證", "网络不给力，请稍后重试")
# Structure only real lemma and search pages have (both layouts).
_CONTENT_MARKERS = (
    "lemma-summary",
    "lemmaSummary_",
    "J-lemma-content",
    "basicInfo",
    "search-list",
    "lemmaWgt-lemmaTitle",
    "J-lemma-title",
)


def detect_block(html: str, status: int = 200, location: str | None = None) -> str | None:
    """Why this response is a challenge instead of content, or None.

    Blocks come as HTTP 200 challenge pages (title 百度安全验证, text 安全校验中…) or as a redirect to
    a captcha host; both must count as "blocked", never as an empty page.
    """
    if 300 <= status < 400 and location:
        host = urlsplit(location).hostname or ""
        if any(marker in host or marker in location for marker in CAPTCHA_HOSTS):
            return "captcha_redirect"
    head = html[:20000]
    title = re.search(r"<title[^>]*>(.*?)</title>", head, re.S | re.I)
    if title and any(marker in title.group(1) for marker in _BLOCK_MARKERS):
        return "challenge_page"
    # A challenge body under another title: the markers with none of a real page's structure.
    if any(marker in html for marker in _BLOCK_MARKERS) and not any(mark in html for mark in _CONTENT_MARKERS):
        return "challenge_page"
    return None
