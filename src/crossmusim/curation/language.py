"""Language id: a CJK-ratio fast path routes zh/en; seeded langdetect decides the rest.

langdetect is wrong on short strings and nondeterministic unless seeded, so it only sees texts of
at least `min_chars` characters, with a fixed seed; shorter undecided texts are 'und'.
"""

from __future__ import annotations

import re

from crossmusim.chinese import CJK_OR_COMPAT as _CJK
from crossmusim.curation.base import Transform
from crossmusim.records import TextRecord

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")
_NON_ASCII_LATIN = re.compile(r"[\u00c0-\u024f]")
_WORD = re.compile(r"[A-Za-z']+")
# English function words: common enough that English prose is recognised without langdetect, which
# is slow (~300 texts/s) and is kept for everything this fast path does not settle.
_EN_FUNCTION_WORDS = frozenset(
    "the a an and of with is are in to on by its this that for as it from at be which or but".split()
)


def _langdetect(text: str) -> str:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return "und"


def detect_language(text: str, *, min_chars: int = 20) -> str:
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if _KANA.search(text) and len(_KANA.findall(text)) * 5 > cjk:
        return "ja"
    if len(_HANGUL.findall(text)) > max(cjk, latin) // 2 and _HANGUL.search(text):
        return "ko"
    letters = cjk + latin
    if letters == 0:
        return "und"
    if cjk / letters >= 0.3:
        return "zh"
    if cjk == 0 and len(text) < min_chars:
        return "en" if latin >= 3 else "und"
    words = _WORD.findall(text.lower())
    if (
        cjk == 0
        and len(words) >= 8
        and not _NON_ASCII_LATIN.search(text)
        and sum(w in _EN_FUNCTION_WORDS for w in words) >= 0.2 * len(words)
    ):
        return "en"
    if len(text) < min_chars:
        return "und"
    code = _langdetect(text[:400])  # a few sentences decide; langdetect's cost grows with length
    return "zh" if code.startswith("zh") else code


class DetectLanguage(Transform):
    name = "language"

    def transform(self, record: TextRecord) -> None:
        if record.language:  # stated by the input (a pairs file's language column)
            return
        if record.text_type == "aspects":  # keyword lists fool langdetect: script decides
            record.language = detect_language(" ".join(record.aspects), min_chars=1 << 30)
        else:
            record.language = detect_language(record.text)
