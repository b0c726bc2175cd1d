"""Baidu Baike addresses: the site, and the host-independent identity of an item page."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

SITE_HOST = "baike.baidu.com"
SITE_URL = f"https://{SITE_HOST}"


def item_key(url: str) -> str:
    """Host-independent identity of an item URL: `/item/<decoded title>[/<id>]`."""
    path = unquote(urlsplit(url).path).rstrip("/")
    return path


def page_id_from_url(url: str) -> str | None:
    match = re.match(r"^/item/[^/]+/(\d+)$", item_key(url))
    return match.group(1) if match else None
