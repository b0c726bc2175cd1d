"""`window.PAGE_DATA` of the newer layout: a JSON object that holds what the HTML may lack.

Real pages (see ../shared/realdata/baike-pages) keep categories only here (`extData.classify[].path`,
`kpdClassify[].name`), sometimes the whole infobox (`card.left/right/content`, the HTML boxes left
empty), the short description (`lemmaDesc`) and the titles that redirect to the page
(`redirectFrom[].fromTitle`). Keys are looked up at the top level and under `extData`.
"""

from __future__ import annotations

import json
from typing import Any

_MARKER = "window.PAGE_DATA"


def load_page_data(html: str) -> dict[str, Any]:
    """The PAGE_DATA object, or {} (`window.PAGE_DATA= {` with or without spaces)."""
    at = html.find(_MARKER)
    if at < 0:
        return {}
    start = html.find("{", at)
    if start < 0 or html[at + len(_MARKER) : start].strip() != "=":
        return {}
    try:
        data, _ = json.JSONDecoder().raw_decode(html, start)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _get(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if value in (None, "", []):
        value = (data.get("extData") or {}).get(key)
    return value


def _text_of(item: dict[str, Any]) -> list[str]:
    values = []
    for datum in item.get("data") or []:
        pieces = datum.get("text") or [] if isinstance(datum, dict) else []
        text = "".join(p.get("text", "") for p in pieces if isinstance(p, dict)).strip()
        if not text and isinstance(datum, dict) and isinstance(datum.get("value"), str):
            text = datum["value"].strip()
        if text:
            values.append(text)
    return values


def card_infobox(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, value) of every infobox item in `card` (left, right, then content)."""
    card = data.get("card") or {}
    pairs = []
    for side in ("left", "right", "content"):
        for item in card.get(side) or []:
            if not isinstance(item, dict) or not item.get("title"):
                continue
            values = _text_of(item)
            if values:
                joiner = (item.get("delimiter") or "、") if item.get("isArray") else ""
                pairs.append((str(item["title"]), joiner.join(values)))
    return pairs


def categories(data: dict[str, Any]) -> list[str]:
    """Category paths (`人文学科/历史/文物`) and knowledge-graph class names."""
    found = [c["path"] for c in _get(data, "classify") or [] if isinstance(c, dict) and c.get("path")]
    found += [c["name"] for c in _get(data, "kpdClassify") or [] if isinstance(c, dict) and c.get("name")]
    return found


def aliases(data: dict[str, Any]) -> list[str]:
    redirects = _get(data, "redirectFrom") or []
    return [r["fromTitle"].strip() for r in redirects if isinstance(r, dict) and str(r.get("fromTitle", "")).strip()]


def description(data: dict[str, Any]) -> str:
    value = _get(data, "lemmaDesc")
    return value.strip() if isinstance(value, str) else ""
