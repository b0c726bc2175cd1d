"""Chinese script helpers shared by the crawler, the aspect extractors and curation."""

from __future__ import annotations

import functools
import re

# The one definition of a Chinese character, for every package (opencc is imported only to convert).
CJK = re.compile(r"[\u3400-\u9fff]")  # a CJK unified ideograph (extension A and the basic block)
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")  # a run of them
CJK_OR_COMPAT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # with the compatibility ideographs


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified (OpenCC t2s); other text passes through unchanged."""
    return _t2s().convert(text)


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified characters to Traditional (OpenCC s2t)."""
    return _s2t().convert(text)
