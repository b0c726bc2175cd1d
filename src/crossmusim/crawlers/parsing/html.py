"""Layout-independent HTML helpers: decoding bytes, visible text of a node.

Visible text means content: pictures and their captions, edit links and reference marks are left
out; table rows keep their cells together (`cell | cell`); content modules of the newer layout
(`data-tag="module"`) give their text when they carry any (a timeline as `time title: detail` lines)
and nothing when they are media (albums, videos).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree
from w3lib.encoding import html_to_unicode

# Elements whose text is never content: reference marks, edit links, scripts.
_SKIP_TAGS = frozenset({"script", "style", "sup", "noscript", "template", "button"})
_SKIP_CLASS_PARTS = (
    "sup-anchor",
    "edit-icon",
    "edit-lemma",
    "supWrap",
    "title-prefix",
    "editIcon",
    "audio-play",
    "audioPlay",
    "editLemma",
    # Pictures and captions inside paragraphs (newer layout) and picture boxes (older layout).
    "lemmaPicture_",
    "J-lemma-content-single-image",
    "titleSpan_",
    "lemma-picture",
    "lemma-album",
    "albumWrapper_",
)
# Module types that carry text; every other module (album, video, audio, picture...) is media.
TEXT_MODULES = frozenset({"timeAxis", "table", "text", "list"})
_BLOCK_TAGS = frozenset({"p", "div", "li", "dd", "dt", "tr", "h1", "h2", "h3", "h4"})


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page the way a browser would: BOM, then HTTP charset, then <meta>, then detection.

    GBK is widened to GB18030 (its superset), so a page that declares GBK but uses a GB18030-only
    character still decodes.
    """
    _, text = html_to_unicode(content_type, body)
    return text


def _skipped(el: etree._Element) -> bool:
    if not isinstance(el.tag, str):  # comments, processing instructions
        return True
    if el.tag in _SKIP_TAGS:
        return True
    cls = el.get("class") or ""
    return any(part in cls for part in _SKIP_CLASS_PARTS)


def node_text(el: etree._Element) -> str:
    """Visible text of `el`: `<br>` and block elements become newlines, reference marks dropped."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if _skipped(node):
            return
        if node.tag == "br":
            parts.append("\n")
            return
        if node.get("data-tag") == "module":
            parts.append("\n" + module_text(node) + "\n")
            return
        if node.tag == "tr":
            parts.append("\n" + row_text(node) + "\n")
            return
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    return "".join(parts)


def _one_line(el: etree._Element) -> str:
    return " ".join(node_text(el).split())


def row_text(tr: etree._Element) -> str:
    """A table row as `cell | cell` (empty cells left out)."""
    cells = [_one_line(cell) for cell in tr if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
    return " | ".join(c for c in cells if c)


def module_text(module: etree._Element) -> str:
    """The text of a content module: a timeline as `time title: detail` lines; media give ''."""
    kind = module.get("data-module-type") or ""
    if kind not in TEXT_MODULES:
        return ""
    if kind == "timeAxis":
        lines = _timeline_from_value(module) or _timeline_from_html(module)
        if lines:
            return "\n".join(lines)
    inner = [node_text(child) for child in module if isinstance(child.tag, str) and not _is_value(child)]
    return "\n".join(t.strip() for t in inner if t.strip())


def _is_value(el: etree._Element) -> bool:
    return el.get("data-module-value") is not None


_TIME_KEYS = ("time", "date", "year", "timeText")
_TITLE_KEYS = ("title", "name", "event")
_DETAIL_KEYS = ("content", "desc", "detail", "text", "description")


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return re.sub(r"<[^>]+>", "", str(value)).strip()
    return ""


def _timeline_from_value(module: etree._Element) -> list[str]:
    """Timeline entries from the module's JSON value (`data-module-value`), when it has one."""
    for raw in module.xpath(".//@data-module-value"):
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        items = value
        if isinstance(value, dict):
            items = next((v for v in value.values() if isinstance(v, list) and v and isinstance(v[0], dict)), [])
        lines = [_timeline_line(_first(i, _TIME_KEYS), _first(i, _TITLE_KEYS), _first(i, _DETAIL_KEYS))
                 for i in items if isinstance(i, dict)]  # fmt: skip
        if any(lines):
            return [line for line in lines if line]
    return []


def _timeline_from_html(module: etree._Element) -> list[str]:
    """Timeline entries from markup: items whose parts are classed time/date, title and the rest."""
    lines = []
    lower = "translate(@class,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"
    items = module.xpath(f".//*[contains({lower},'item') and not(ancestor::*[contains({lower},'item')])]")
    for item in items:
        time = item.xpath(f".//*[contains({lower},'time') or contains({lower},'date')]")
        title = item.xpath(f".//*[contains({lower},'title')]")
        detail = item.xpath(
            f".//*[contains({lower},'content') or contains({lower},'desc') or contains({lower},'detail')]"
        )
        lines.append(
            _timeline_line(
                _one_line(time[0]) if time else "",
                _one_line(title[0]) if title else "",
                _one_line(detail[0]) if detail else "",
            )
        )
    return [line for line in lines if line]


def _timeline_line(time: str, title: str, detail: str) -> str:
    head = " ".join(p for p in (time, title) if p)
    return f"{head}: {detail}" if head and detail else head or detail
