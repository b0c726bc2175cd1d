"""The aspect-extractor interface and the normalisation every extractor's output goes through."""

from __future__ import annotations

import abc
import unicodedata

from crossmusim.aspects.vocabulary import Vocabulary, is_chinese
from crossmusim.records import AspectRecord, TextUnit


def normalise_aspects(aspects: list[str], vocabulary: Vocabulary | None = None) -> list[str]:
    """Trim, lowercase English, map synonyms to canonical tags, drop duplicates (first kept)."""
    seen: set[str] = set()
    result: list[str] = []
    for aspect in aspects:
        text = " ".join(unicodedata.normalize("NFKC", aspect).split()).strip(" .,;:，。；、")
        if not text:
            continue
        tag = vocabulary.canonical(text) if vocabulary is not None else (text if is_chinese(text) else text.lower())
        if tag not in seen:
            seen.add(tag)
            result.append(tag)
    return result


def text_lang(text: str) -> str:
    return "zh" if is_chinese(text) else "en"


class AspectExtractor(abc.ABC):
    """One text in, one `AspectRecord` out; the pipeline runs every extractor the same way."""

    name: str = ""

    @abc.abstractmethod
    async def record(self, unit: TextUnit) -> AspectRecord:
        """The record of one text; raises only BudgetExceeded (failures are `failed` records)."""
