"""Layout-independent HTML helpers: decoding bytes, visible text of a node."""

from __future__ import annotations

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
)
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
