"""Quality filters: LLM outputs that are not descriptions, empty or out-of-bounds lengths, texts
with no music content (no vocabulary hit), missing song identity."""

from __future__ import annotations

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.curation.base import Filter, Verdict
from crossmusim.records import TextRecord


class LLMStatusFilter(Filter):
    """Generated texts are kept only when the model described the song (not abstained or failed)."""

    name = "llm_status"

    def keep(self, record: TextRecord) -> Verdict:
        if not record.source.startswith("llm:") or record.status in ("", "described"):
            return True
        return False, f"llm_{record.status or 'unknown'}"


class FactCheckFilter(Filter):
    """Generated texts whose model contradicted a fact we hold (year, album, artist), or the genre of
    the page it was grounded on, are dropped: the model was describing some other song, or none (see
    `generate.facts`, `generate.genres`)."""

    name = "fact_check"

    def keep(self, record: TextRecord) -> Verdict:
        if record.source.startswith("llm:") and record.fact_check == "contradict":
            return False, "llm_contradicted_facts"
        if record.source.startswith("llm:") and record.genre_check == "contradict":
            return False, "llm_contradicted_page_genre"
        return True


class LengthFilter(Filter):
    """Characters for Chinese, words for other languages; aspects need at least `min_aspects`."""

    name = "length"

    def __init__(
        self, min_zh: int = 15, max_zh: int = 3000, min_words: int = 6, max_words: int = 1500, min_aspects: int = 2
    ) -> None:
        self.min_zh, self.max_zh = min_zh, max_zh
        self.min_words, self.max_words = min_words, max_words
        self.min_aspects = min_aspects

    def keep(self, record: TextRecord) -> Verdict:
        if record.text_type == "aspects":
            return True if len(record.aspects) >= self.min_aspects else (False, "too_few_aspects")
        if not record.text.strip():
            return False, "empty"
        size = len(record.text) if record.language == "zh" else len(record.text.split())
        low, high = (self.min_zh, self.max_zh) if record.language == "zh" else (self.min_words, self.max_words)
        if size < low:
            return False, "too_short"
        if size > high:
            return False, "too_long"
        return True


class MusicRelevanceFilter(Filter):
    """Captions must mention music (at least one vocabulary tag); lyrics and aspects are exempt."""

    name = "relevance"
    default_reason = "not_about_music"

    def __init__(self, extractor: LexiconExtractor, min_hits: int = 1) -> None:
        self.extractor = extractor
        self.min_hits = min_hits

    def keep(self, record: TextRecord) -> Verdict:
        if record.text_type != "caption":
            return True
        return len(self.extractor.extract(record.text)) >= self.min_hits


class IdentityFilter(Filter):
    """A text must say which song it is about: a title and artist, or a source id."""

    name = "identity"
    default_reason = "no_song_identity"

    def keep(self, record: TextRecord) -> Verdict:
        return bool((record.title and record.artist) or record.source_id)


FILTERS = ("relevance", "length", "dedup")  # the web-text filters a pairs build may turn on


def is_web_text(record: TextRecord) -> bool:
    """Crawled, generated and open-dataset text; not a user's curated pairs."""
    return record.source != "pairs"


def every_record(record: TextRecord) -> bool:
    return True


def filter_scope(name: str, filters: tuple[str, ...] | None):
    """Which records the filter `name` judges: by default web text only (curated pairs pass it by);
    with `--filters`, every record when it is named there, and none when it is not (returns None)."""
    if filters is None:
        return is_web_text
    return every_record if name in filters else None


def parse_filters(text: str | None) -> tuple[str, ...] | None:
    """`--filters relevance,length,dedup` (or `none`); None for the default."""
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip() and n.strip() != "none")
    unknown = [n for n in names if n not in FILTERS]
    if unknown:
        choices = ", ".join(FILTERS)
        raise ValueError(f"--filters {text!r}: {', '.join(unknown)} unknown (choose from {choices}, or none)")
    return names
