"""Language id: a CJK-ratio fast path routes zh/en; seeded langdetect decides the rest.

langdetect is wrong on short strings and nondeterministic unless seeded, so it only sees texts of
at least `min_chars` characters, with a fixed seed; shorter undecided texts are 'und'.
"""

from __future__ import annotations

import re

from crossmusim.curation.base import Transform
from crossmusim.records import TextRecord

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")


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
    if len(text) < min_chars:
        return "und"
    code = _langdetect(text)
    return "zh" if code.startswith("zh") else code


class DetectLanguage(Transform):
    name = "language"

    def transform(self, record: TextRecord) -> None:
        if record.text_type == "aspects":  # keyword lists fool langdetect: script decides
            record.language = detect_language(" ".join(record.aspects), min_chars=1 << 30)
        else:
            record.language = detect_language(record.text)
