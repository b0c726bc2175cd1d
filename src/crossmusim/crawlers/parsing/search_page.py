"""Search result pages: the item links of one page and the link to the next."""

from __future__ import annotations

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
    next_href = sel.xpath(
        "//*[@id='pager' or contains(@class,'page')]//a[contains(normalize-space(.),'下一页')]/@href"
    ).get()
    return SearchPage(hits, urljoin(page_url, next_href) if next_href else None)
