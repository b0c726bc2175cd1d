"""Grounded generation: a song's crawled page as the LLM's context, trimmed and marked as data.

The paper's LLM sees only artist and title, and a small model then describes songs it does not know
with confidence. CLaMP 3 (M4-RAG) had its LLM write from retrieved web metadata and AllMusicCaps from
album reviews: text grounded in a page is about the song. The page goes into the prompt as JSON data
(`page`), after the prompt has said that data is never instructions; page text can contain anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmusim.curation.songkey import song_key
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import iter_jsonl
from crossmusim.llm.limits import estimate_tokens
from crossmusim.records import RecordError, SongPage, SongRef

# Tokens of page facts per prompt, by prompt language (a Chinese character is about a token).
GROUND_BUDGET = {"en": 600, "zh": 900}
_SHORT_FIELDS = ("title", "artists", "album", "release_date", "genres", "languages", "lyricists", "composers")
_TEXT_FIELDS = ("summary", "background", "review")  # 简介, 创作背景, 歌曲鉴赏: trimmed to the budget
_SENTENCE_END = "。！？!?.;；\n"
_FIELD_OVERHEAD = 6  # tokens a JSON key, its quotes and separators take


@dataclass
class CrawledPages:
    """A crawl's song pages, found by page id or by the normalised song key (title, artist)."""

    by_id: dict[str, SongPage]
    by_key: dict[str, SongPage]
    source: Path

    def page_for(self, song: SongRef) -> SongPage | None:
        return self.by_id.get(song.id) or self.by_key.get(song_key(song.title, song.artist))


def load_pages(crawl_dir: Path) -> CrawledPages:
    """The song pages of a crawl's output folder (its songs.jsonl) or of a songs.jsonl itself."""
    path = Path(crawl_dir)
    path = path / "songs.jsonl" if path.is_dir() else path
    if not path.is_file():
        raise UserError(
            f"--ground {crawl_dir}: no songs.jsonl there: give a crawl's output folder (crossmusim crawl --out)"
        )
    by_id: dict[str, SongPage] = {}
    by_key: dict[str, SongPage] = {}
    for line, row in iter_jsonl(path):
        if isinstance(row, InputFormatError):
            raise row
        try:
            page = SongPage.from_dict(row)
        except (RecordError, TypeError) as exc:
            raise InputFormatError(path, line, f"not a crawl record ({exc}): --ground takes crawl output") from None
        by_id.setdefault(page.song_id, page)
        for artist in page.artists or [""]:
            for title in (page.title, *page.aliases):
                if title and artist:
                    by_key.setdefault(song_key(title, artist), page)
    return CrawledPages(by_id, by_key, path)


def page_facts(page: SongPage, budget: int) -> dict[str, Any]:
    """What the prompt shows of a page: infobox fields first, then summary, background and review
    excerpts sharing what is left of `budget` tokens (cut at a sentence end), then categories."""
    facts: dict[str, Any] = {}
    for name in _SHORT_FIELDS:
        value = getattr(page, name)
        if value:
            facts[name] = value
    other = {k: v for k, v in page.infobox.items() if k not in _SHORT_FIELDS and v}  # not twice
    if other:
        facts["infobox"] = other
    texts = [(name, getattr(page, name)) for name in _TEXT_FIELDS if getattr(page, name)]
    left = budget - estimate_tokens(_dump(facts)) - _FIELD_OVERHEAD * (len(texts) + 1)
    for done, (name, text) in enumerate(texts):
        share = max(0, left // (len(texts) - done))
        excerpt = trim_to_tokens(text, share)
        if excerpt:
            facts[name] = excerpt
            left -= estimate_tokens(excerpt)
    if page.categories and estimate_tokens(_dump(page.categories)) <= left:
        facts["categories"] = page.categories
    while facts and estimate_tokens(_dump(facts)) > budget:  # a huge infobox alone: drop from the end
        facts.pop(next(reversed(facts)))
    return facts


def trim_to_tokens(text: str, tokens: int) -> str:
    """The longest prefix of `text` within `tokens` that ends a sentence (else cut, marked with …)."""
    text = text.strip()
    if estimate_tokens(text) <= tokens:
        return text
    if tokens < 8:
        return ""
    low, high = 0, len(text)
    while low < high:  # the longest prefix within the budget (token estimates grow with length)
        middle = (low + high + 1) // 2
        low, high = (middle, high) if estimate_tokens(text[:middle]) <= tokens - 1 else (low, middle - 1)
    prefix = text[:low]
    end = max(prefix.rfind(mark) for mark in _SENTENCE_END)
    return prefix[: end + 1].strip() if end >= len(prefix) // 2 else prefix.rstrip() + "…"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
