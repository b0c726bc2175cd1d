"""Text cleaning: HTML remnants, mojibake, boilerplate lines (citation marks, 编辑 links), whitespace;
and sentence splitting (zh on 。！？；, en on sentence ends, lyrics by line)."""

from __future__ import annotations

import html
import re

import ftfy

from crossmusim.curation.base import Transform
from crossmusim.records import TextRecord

_TAG = re.compile(r"<[^>]{0,200}>")
_CITATION = re.compile(r"\[\s*\d+(?:\s*[-–,，]\s*\d+)*\s*\]|\[来源请求\]|\[编辑\]")
_BOILERPLATE_LINE = re.compile(
    r"^\s*(?:编辑|播报|展开|收起|展开全部|参考资料|词条标签[:：].*|本词条.*|图册|查看更多.*|"
    r"\[?edit\]?|references?|see also)\s*$",
    re.I,
)
_INLINE_BOILERPLATE = re.compile(r"(?:编辑\s*播报|编辑|播报)\s*$")


def clean_text(text: str) -> str:
    # Mojibake such as 'æ™´å¤©' -> '晴天'; full-width Chinese punctuation and curly quotes are kept.
    text = ftfy.fix_text(text or "", normalization="NFC", fix_character_width=False, uncurl_quotes=False)
    text = html.unescape(_TAG.sub(" ", text))
    text = _CITATION.sub("", text)
    lines = []
    for line in text.replace("\r", "\n").split("\n"):
        line = re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip()
        if not line or _BOILERPLATE_LINE.match(line):
            continue
        lines.append(_INLINE_BOILERPLATE.sub("", line).strip() if len(line) < 20 else line)
    return "\n".join(line for line in lines if line)


_ZH_END = re.compile(r"(?<=[。！？；!?;…])\s*")
_EN_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])")


def split_sentences(text: str, language: str, text_type: str) -> list[str]:
    if text_type == "lyrics":
        return [line.strip() for line in text.split("\n") if line.strip()]
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        parts = _ZH_END.split(paragraph) if language == "zh" else _EN_END.split(paragraph)
        sentences += [p.strip() for p in parts if p.strip()]
    return sentences


class Clean(Transform):
    name = "clean"

    def transform(self, record: TextRecord) -> None:
        record.text = clean_text(record.text)
        record.aspects = [a for a in (clean_text(a) for a in record.aspects) if a]


class SplitSentences(Transform):
    name = "sentences"

    def transform(self, record: TextRecord) -> None:
        record.sentences = split_sentences(record.text, record.language, record.text_type)
