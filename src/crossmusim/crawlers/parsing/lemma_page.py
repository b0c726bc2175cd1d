"""Lemma (item) pages of both layouts, parsed to one `Lemma`.

Two layouts exist: the older one (about 2014-2022) with `basicInfo-*` / `para-title` classes, and the
newer one (2023 on) with CSS-module classes whose hashed suffix changes with every deploy, matched by
prefix. Both parse to the same `Lemma`; whether it is a song is decided in `songs.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing import page_data
from crossmusim.crawlers.parsing.html import node_text
from crossmusim.crawlers.parsing.site_urls import page_id_from_url


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
    description: str = ""  # the short line under the title: 周杰伦演唱歌曲
    aliases: list[str] = field(default_factory=list)  # titles that redirect here
    text_unassigned: int = 0  # content paragraphs with text that went into no section


def _layout(sel: Selector) -> str:
    if sel.css("dl.basicInfo-block, div.lemma-summary, dd.lemmaWgt-lemmaTitle-title"):
        return "basicinfo"
    if sel.css("div.J-lemma-content, h1.J-lemma-title, [class^='basicInfoBlock_']"):
        return "modules"
    return "unknown"


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


def _description(sel: Selector, data: dict) -> str:
    """The short line beside the title (newer: lemmaDescText_; older: the title's h2)."""
    nodes = sel.xpath(
        "//*[starts-with(@class,'lemmaDescText_') or contains(@class,' lemmaDescText_')]"
        " | //dd[contains(@class,'lemmaWgt-lemmaTitle-title')]/h2"
    )
    text = ib.clean_text(node_text(nodes[0].root)) if nodes else ""
    return text.strip("（）() ") or page_data.description(data)


def _summary(sel: Selector) -> str:
    nodes = sel.css("div.lemma-summary") or sel.xpath(
        "//div[starts-with(@class,'lemmaSummary_') or contains(@class,' lemmaSummary_')"
        " or contains(@class,'J-summary')]"
    )
    return ib.clean_text(node_text(nodes[0].root)) if nodes else ""


# Content paragraphs of each layout (outside the summary), whatever section they fall in.
_PARAGRAPHS_BASICINFO = (
    "//div[contains(concat(' ',normalize-space(@class),' '),' para ')"
    " and not(ancestor::div[contains(@class,'lemma-summary')])]"
)
_SUMMARY = "(starts-with(@class,'lemmaSummary_') or contains(@class,' lemmaSummary_') or contains(@class,'J-summary'))"
_PARAGRAPHS_MODULES = (
    f"//*[(@data-tag='paragraph' or starts-with(@class,'para_') or contains(@class,' para_'))"
    f" and not(ancestor::*[{_SUMMARY}])]"
)
# Section headings of the newer layout: data-tag="header", a paraTitle_ class, or a bare h2/h3.
_HEADER = "(@data-tag='header' or starts-with(@class,'paraTitle_') or contains(@class,' paraTitle_'))"
_BLOCK = "(@data-tag='paragraph' or @data-tag='module' or @data-tag='table')"
FALLBACK_SECTION = "正文"  # where paragraphs before any recognised heading go


def _sections_basicinfo(sel: Selector) -> list[tuple[str, bool, object]]:
    # Paragraphs, and tables as a whole (their cells hold paragraphs too: one row, one line).
    nodes = sel.xpath(
        "//div[contains(concat(' ',normalize-space(@class),' '),' para-title ')"
        " or (contains(concat(' ',normalize-space(@class),' '),' para ')"
        "     and not(ancestor::div[contains(@class,'lemma-summary')]) and not(ancestor::table))]"
        " | //table[not(ancestor::div[contains(@class,'lemma-summary')]) and not(ancestor::table)]"
    )
    classes = [n.attrib.get("class") or "" for n in nodes]
    return [
        ("heading" if "para-title" in c else "text", "level-2" in c, n) for c, n in zip(classes, nodes, strict=True)
    ]


def _sections_modules(sel: Selector) -> list[tuple[str, bool, object]]:
    # Headings, paragraphs, tables (one row, one line) and modules between paragraphs (a timeline).
    nodes = sel.xpath(
        f"//div[contains(@class,'J-lemma-content')]//*[({_HEADER} and not(ancestor::*[{_HEADER}]))"
        f" or ((self::h2 or self::h3) and not(ancestor::*[{_HEADER} or {_BLOCK}]))"
        f" or (@data-tag='paragraph' and not(ancestor::table) and not(ancestor::*[{_SUMMARY}]))"
        f" or ((@data-tag='module' or @data-tag='table') and not(ancestor::*[{_BLOCK} or {_SUMMARY}]))]"
    )
    return [("heading", _top_level_heading(n), n) if _is_heading(n) else ("text", False, n) for n in nodes]


def _is_heading(node) -> bool:
    return node.root.tag in ("h2", "h3") or node.attrib.get("data-tag") == "header" or "paraTitle_" in (
        node.attrib.get("class") or "")  # fmt: skip


def _top_level_heading(node) -> bool:
    """Level 1 by data-level, else by a level-N class, else an h2 (an h3 alone is a subsection)."""
    if node.attrib.get("data-level"):
        return node.attrib["data-level"] == "1"
    classes = node.attrib.get("class") or ""
    if "level-2" in classes or "level-3" in classes:
        return False
    return node.root.tag == "h2" or bool(node.xpath(".//h2")) or not node.xpath(".//h3")


def _group_sections(nodes) -> list[tuple[str, str]]:
    """Fold a document-order stream of headings and paragraphs into (level-2 heading, text).
    Paragraphs before the first heading, or under a heading without text, are kept: the first in
    FALLBACK_SECTION, the others in the section before."""
    sections: list[tuple[str, list[str]]] = []
    for kind, top_level, node in nodes:
        if kind == "heading":
            # The heading element alone: its wrapper also holds edit and read-aloud buttons.
            titles = node.xpath("self::h2|self::h3|.//h2|.//h3|.//h4")
            text = ib.clean_text(node_text(titles[0].root if titles else node.root))
            if text and (top_level or not sections):
                sections.append((text, []))
            elif text:
                sections[-1][1].append(text)  # a level-3 heading stays inside its section
            continue
        text = ib.clean_text(node_text(node.root))
        if text and not sections:
            sections.append((FALLBACK_SECTION, []))
        if text:
            sections[-1][1].append(text)
    return [(heading, "\n".join(body)) for heading, body in sections]


def _unassigned(sel: Selector, paragraphs: str, consumed) -> int:
    """Content paragraphs with text that no section took (a layout variant the parser misses)."""
    taken = {id(n.root) for n in consumed}
    lost = 0
    for node in sel.xpath(paragraphs):
        chain = [node.root, *node.root.iterancestors()]
        if not any(id(el) in taken for el in chain) and ib.clean_text(node_text(node.root)):
            lost += 1
    return lost


def _categories(sel: Selector) -> list[str]:
    texts = (
        sel.css("#open-tag-item .taglist::text").getall()
        or sel.xpath(
            "//*[starts-with(@class,'tagList_') or contains(@class,' tagList_')]"
            "//*[(self::a or self::span) and not(*) and not(contains(@class,'tagTitle'))]/text()"
        ).getall()
    )
    return [t for t in (ib.clean_text(x) for x in texts) if t]


def parse_lemma(html: str, url: str) -> Lemma:
    sel = Selector(text=html)
    data = page_data.load_page_data(html)
    layout = _layout(sel)
    # Without a canonical link, the URL itself, less tracking query strings (?fr=aladdin).
    canonical = sel.css("link[rel=canonical]::attr(href)").get() or urlunsplit(urlsplit(url)._replace(query=""))
    page_id = page_id_from_url(canonical) or page_id_from_url(url)
    if not page_id and data.get("lemmaId"):
        page_id = str(data["lemmaId"])
    nodes = _sections_modules(sel) if layout == "modules" else _sections_basicinfo(sel)
    paragraphs = _PARAGRAPHS_MODULES if layout == "modules" else _PARAGRAPHS_BASICINFO
    categories = _categories(sel)
    categories += [c for c in page_data.categories(data) if c not in categories]
    summary, sections = _summary(sel), _group_sections(nodes)
    if not summary and sections and sections[0][0] == FALLBACK_SECTION:
        summary = sections.pop(0)[1]  # a page without a summary block: its lead paragraphs are one
    return Lemma(
        title=_title(sel, data),
        layout=layout,
        infobox=_infobox(sel) or page_data.card_infobox(data),  # real pages may leave the HTML box empty
        summary=summary,
        sections=sections,
        categories=categories,
        canonical_url=urljoin(url, canonical),
        page_id=page_id,
        description=_description(sel, data),
        aliases=page_data.aliases(data),
        text_unassigned=_unassigned(sel, paragraphs, [n for _, _, n in nodes]),
    )
