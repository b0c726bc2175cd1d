"""Search result pages: the item links of one page and the link to the next."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing.html import node_text


@dataclass
class SearchHit:
    url: str
    title: str
    abstract: str = ""


@dataclass
class SearchPage:
    hits: list[SearchHit]
    next_url: str | None


def parse_search_page(html: str, page_url: str) -> SearchPage:
    sel = Selector(text=html)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for link in sel.css("a.result-title"):
        href = link.attrib.get("href", "")
        if "/item/" not in href:
            continue
        url = urljoin(page_url, href)
        if url in seen:
            continue
        seen.add(url)
        abstract_node = link.xpath("ancestor::dd[1]//p[contains(@class,'result-summary')]")
        abstract = ib.clean_text(node_text(abstract_node[0].root)) if abstract_node else ""
        hits.append(SearchHit(url, ib.clean_text(node_text(link.root)), abstract))
    next_href = next_page_href(sel)
    return SearchPage(hits, urljoin(page_url, next_href) if next_href else None)


_NEXT_TEXTS = ("下一页", "下一頁", "下页", "下頁", ">", "›", "»", "next")
_NEXT_CLASSES = ("next", "n", "next-page", "page-next", "pagination-next")
_PREVIOUS_MARKS = ("上一页", "上一頁", "上页", "<", "‹", "«", "prev")


def next_page_href(sel: Selector) -> str | None:
    """The next result page's link, wherever the pager sits and however it is marked up.

    Tried in order: `rel=next` (on a link or an anchor), an anchor whose text is 下一页 / 下一頁 / 下页
    / `>` (arrows too, with or without a trailing arrow), an anchor with a `next` or `n` class.
    """
    for href in sel.xpath("//link[contains(concat(' ',normalize-space(@rel),' '),' next ')]/@href").getall():
        if _usable(href):
            return href
    anchors = sel.xpath("//a[@href]")
    for anchor in anchors:
        if "next" in (anchor.attrib.get("rel") or "").split() and _usable(anchor.attrib["href"]):
            return anchor.attrib["href"]
    for anchor in anchors:
        raw = "".join(anchor.xpath(".//text()").getall()).strip()
        text = raw.rstrip(">›»").strip().lower()
        if (text in _NEXT_TEXTS or raw in _NEXT_TEXTS) and _usable(anchor.attrib["href"]):
            return anchor.attrib["href"]
    for anchor in anchors:
        classes = set((anchor.attrib.get("class") or "").split())
        text = "".join(anchor.xpath(".//text()").getall())
        backwards = any(mark in text for mark in _PREVIOUS_MARKS)  # Baidu marks 上一页 with class n too
        if classes & set(_NEXT_CLASSES) and not backwards and _usable(anchor.attrib["href"]):
            return anchor.attrib["href"]
    return None


def _usable(href: str) -> bool:
    href = href.strip()
    return bool(href) and not href.startswith(("#", "javascript:"))


def _folded_name(text: str) -> str:
    """'周杰倫（華語流行樂男歌手）' -> '周杰伦': NFKC, Simplified, case and punctuation folded, a trailing
    bracketed note (the site's disambiguation) left out."""
    text = re.sub(r"\s*[（(][^（()）]*[)）]\s*$", "", unicodedata.normalize("NFKC", text or "").strip())
    return re.sub(r"[\W_]+", "", ib.to_simplified(text).casefold())


def hit_named(hits: list[SearchHit], name: str) -> SearchHit | None:
    """The first result whose page title is `name` itself (an artist's own page, not a song about them)."""
    wanted = _folded_name(name)
    return next((hit for hit in hits if wanted and _folded_name(hit.title) == wanted), None)
