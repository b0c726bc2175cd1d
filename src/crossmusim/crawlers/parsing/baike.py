"""Pure parsing of Baidu-Baike-shaped pages: search results, lemma pages (both layouts), block pages.

Two layouts exist: the older one (about 2014-2022) with `basicInfo-*` / `para-title` classes, and the
newer one (2023 on) with CSS-module classes whose hashed suffix changes with every deploy, matched by
prefix. Both parse to the same `Lemma`, and a `Lemma` of a music work becomes a `SongPage`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing.html import node_text
from crossmusim.records import Provenance, SongPage

SITE_HOST = "baike.baidu.com"
SITE_URL = f"https://{SITE_HOST}"
CAPTCHA_HOSTS = ("wappass.baidu.com", "captcha", "verify.baidu.com", "seccaptcha")
_BLOCK_MARKERS = ("百度安全验证", "安全校验中", "安全驗證", "网络不给力，请稍后重试")
# Structure only real lemma and search pages have (both layouts).
_CONTENT_MARKERS = ("lemma-summary", "lemmaSummary_", "J-lemma-content", "basicInfo", "search-list",
                    "lemmaWgt-lemmaTitle", "J-lemma-title")


@dataclass
class SearchHit:
    url: str
    title: str
    abstract: str = ""


@dataclass
class SearchPage:
    hits: list[SearchHit]
    next_url: str | None


@dataclass
class Lemma:
    """What any layout of a lemma page says, before deciding whether it is a song."""

    title: str
    layout: str
    infobox: list[tuple[str, str]] = field(default_factory=list)  # raw key, raw value
    summary: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)  # heading, text
    categories: list[str] = field(default_factory=list)
    canonical_url: str = ""
    page_id: str | None = None


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
    if any(marker in html for marker in _BLOCK_MARKERS) and not any(
        mark in html for mark in _CONTENT_MARKERS
    ):
        return "challenge_page"
    return None


def item_key(url: str) -> str:
    """Host-independent identity of an item URL: `/item/<decoded title>[/<id>]`."""
    path = unquote(urlsplit(url).path).rstrip("/")
    return path


def page_id_from_url(url: str) -> str | None:
    match = re.match(r"^/item/[^/]+/(\d+)$", item_key(url))
    return match.group(1) if match else None


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


def _layout(sel: Selector) -> str:
    if sel.css("dl.basicInfo-block, div.lemma-summary, dd.lemmaWgt-lemmaTitle-title"):
        return "basicinfo"
    if sel.css("div.J-lemma-content, h1.J-lemma-title, [class^='basicInfoBlock_']"):
        return "modules"
    return "unknown"


def _page_data(html: str) -> dict:
    match = re.search(r"window\.PAGE_DATA\s*=\s*(\{.*?\})\s*;?\s*</script>", html, re.S)
    if not match:
        return {}
    try:
        return json.loads(match.group(1))
    except json.JSONDecodeError:
        return {}


def _title(sel: Selector, page_data: dict) -> str:
    for css in ("dd.lemmaWgt-lemmaTitle-title h1", "h1.J-lemma-title", "h1[class*='lemmaTitle_']"):
        node = sel.css(css)
        if node:
            return ib.clean_text(node_text(node[0].root))
    if page_data.get("lemmaTitle"):
        return str(page_data["lemmaTitle"]).strip()
    return ""


def _infobox(sel: Selector) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    blocks = sel.xpath(
        "//dl[contains(concat(' ',normalize-space(@class),' '),' basicInfo-block ')"
        " or starts-with(@class,'basicInfoBlock_') or contains(@class,' basicInfoBlock_')]"
    )
    for block in blocks:
        # Plain lxml here: this loop runs for every key of every page.
        for dt in block.root.iter("dt"):
            dd = dt.getnext()
            while dd is not None and dd.tag != "dd":
                dd = dd.getnext()
            if dd is None:
                continue
            key, value = ib.clean_key(node_text(dt)), ib.clean_text(node_text(dd))
            if key and value:
                pairs.append((key, value))
    return pairs


def _summary(sel: Selector) -> str:
    nodes = sel.css("div.lemma-summary") or sel.xpath(
        "//div[starts-with(@class,'lemmaSummary_') or contains(@class,' lemmaSummary_')"
        " or contains(@class,'J-summary')]"
    )
    return ib.clean_text(node_text(nodes[0].root)) if nodes else ""


def _sections_basicinfo(sel: Selector) -> list[tuple[str, str]]:
    nodes = sel.xpath(
        "//div[contains(concat(' ',normalize-space(@class),' '),' para-title ')"
        " or (contains(concat(' ',normalize-space(@class),' '),' para ')"
        "     and not(ancestor::div[contains(@class,'lemma-summary')]))]"
    )
    return _group_sections(
        (("heading" if "para-title" in (n.attrib.get("class") or "") else "text"),
         "level-2" in (n.attrib.get("class") or ""), n)
        for n in nodes
    )


def _sections_modules(sel: Selector) -> list[tuple[str, str]]:
    nodes = sel.xpath(
        "//div[contains(@class,'J-lemma-content')]//*[@data-tag='header' or @data-tag='paragraph']"
    )
    return _group_sections(
        (("heading" if n.attrib.get("data-tag") == "header" else "text"),
         n.attrib.get("data-level", "1") == "1", n)
        for n in nodes
    )


def _group_sections(nodes) -> list[tuple[str, str]]:
    """Fold a document-order stream of headings and paragraphs into (level-2 heading, text)."""
    sections: list[tuple[str, list[str]]] = []
    for kind, top_level, node in nodes:
        if kind == "heading":
            # The heading element alone: its wrapper also holds edit and read-aloud buttons.
            titles = node.xpath(".//h2|.//h3|.//h4")
            node = titles[0] if titles else node
        text = ib.clean_text(node_text(node.root))
        if kind == "heading":
            if top_level or not sections:
                sections.append((text, []))
            elif text:
                sections[-1][1].append(text)  # a level-3 heading stays inside its section
        elif text and sections:
            sections[-1][1].append(text)
    return [(heading, "\n".join(body)) for heading, body in sections if heading]


def _categories(sel: Selector) -> list[str]:
    texts = sel.css("#open-tag-item .taglist::text").getall() or sel.xpath(
        "//*[starts-with(@class,'tagList_') or contains(@class,' tagList_')]"
        "//*[(self::a or self::span) and not(*) and not(contains(@class,'tagTitle'))]/text()"
    ).getall()
    return [t for t in (ib.clean_text(x) for x in texts) if t]


def parse_lemma(html: str, url: str) -> Lemma:
    sel = Selector(text=html)
    page_data = _page_data(html)
    layout = _layout(sel)
    canonical = sel.css("link[rel=canonical]::attr(href)").get() or url
    page_id = page_id_from_url(canonical) or page_id_from_url(url)
    if not page_id and page_data.get("lemmaId"):
        page_id = str(page_data["lemmaId"])
    sections = _sections_modules(sel) if layout == "modules" else _sections_basicinfo(sel)
    return Lemma(
        title=_title(sel, page_data),
        layout=layout,
        infobox=_infobox(sel),
        summary=_summary(sel),
        sections=sections,
        categories=_categories(sel),
        canonical_url=urljoin(url, canonical),
        page_id=page_id,
    )


def music_work_verdict(lemma: Lemma) -> str | None:
    """None when the lemma is a music work; else the reason it is skipped."""
    if not lemma.infobox and not lemma.summary and not lemma.sections:
        return "empty_page"  # nothing rendered: often a JavaScript-built page (try --render js)
    categories = {ib.to_simplified(c) for c in lemma.categories}
    if categories & ib.SONG_CATEGORIES:
        return None
    keys = {ib.clean_key(k) for k, _ in lemma.infobox}
    song_keys = {ib.normalise_key(k) for k in keys} & ib.SONG_KEYS
    if len(song_keys) >= 2 or (song_keys and not keys & ib.NON_SONG_KEYS):
        return None
    return "not_song"


def song_from_lemma(
    lemma: Lemma, url: str, fetched_at: str = "", provenance: Provenance | None = None
) -> SongPage:
    song = SongPage(
        title=lemma.title, canonical_url=lemma.canonical_url, url=url, page_id=lemma.page_id,
        summary=lemma.summary, categories=lemma.categories, layout=lemma.layout,
        fetched_at=fetched_at, provenance=provenance,
    )
    for raw_key, value in lemma.infobox:
        key = ib.normalise_key(raw_key)
        song.infobox.setdefault(key, value)
        if key in ("artists", "lyricists", "composers", "arrangers") and not getattr(song, key):
            setattr(song, key, ib.split_names(value))
        elif key == "genres" and not song.genres:
            song.genres = ib.split_genres(value)
        elif key == "languages" and not song.languages:
            song.languages = ib.split_names(value)
        elif key == "album" and not song.album:
            song.album = ib.parse_album(value)
        elif key == "release_date" and not song.release_date:
            song.release_date = ib.parse_date(value)
        elif key == "duration" and song.duration_s is None:
            song.duration_s = ib.parse_duration(value)
        elif key == "foreign_title" and not song.foreign_title:
            song.foreign_title = value
        elif key == "title" and not song.title:
            song.title = value
    for key, names in ib.credits_from_prose(lemma.summary).items():
        if not getattr(song, key):
            setattr(song, key, names)
    for heading, text in lemma.sections:
        name = ib.clean_key(heading)
        target = ib.section_field(name)
        if target and not getattr(song, target):
            setattr(song, target, text)
        else:
            song.sections.setdefault(name, text)
    return song
