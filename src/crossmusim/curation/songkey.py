"""The normalised song key that joins texts, audio and tags from different sources.

Traditional and Simplified Chinese, full- and half-width forms, case, punctuation, "feat." credits
and version suffixes such as (Live), (Remastered) or 伴奏 do not make another song.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from crossmusim.chinese import to_simplified

_VERSION = re.compile(
    r"[\(\[（【《]?\s*(?:live|现场版?|remaster(?:ed)?(?:\s*\d{4})?|\d{4}\s*remaster(?:ed)?|radio edit|"
    r"single version|album version|acoustic version|demo|伴奏|纯音乐版?|instrumental|karaoke|"
    r"mv版|电影版|inst\.?|cover|翻唱版?|dj版)\s*[\)\]）】》]?\s*$",
    re.I,
)
_FEAT = re.compile(r"\s*[\(\[（]?\s*(?:feat\.?|ft\.?|featuring|with)\s+[^\)\]）]*[\)\]）]?\s*$", re.I)
_ARTIST_SPLIT = re.compile(r"\s*(?:[、,，/／&＆;；]|\s+(?:and|x|feat\.?|ft\.?|featuring)\s+)\s*", re.I)
# Where the billed credit ends: 'A featuring B', 'A feat. B', 'A ft. B', 'A (with B)', 'A (feat. B)'.
_FEATURED_CREDIT = re.compile(r"\s*[\(\[（]?\s*(?<![^\s\(\[（])(?:featuring|feat\.|feat|ft\.|ft|with)\s+", re.I)
_PUNCT = re.compile(r"[\W_]+", re.U)


@functools.lru_cache(maxsize=200_000)
def normalise_name(text: str) -> str:
    """Width, case, script, punctuation and spacing folded: '周杰倫 ' -> '周杰伦', 'Hey-Jude' -> 'heyjude'."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text).casefold()
    return _PUNCT.sub("", text)


def strip_versions(title: str) -> str:
    """'晴天 (Live)' -> '晴天'; 'Yesterday - Remastered 2009' -> 'Yesterday'; '稻香 伴奏' -> '稻香'."""
    title = unicodedata.normalize("NFKC", title or "").strip()
    previous = None
    while previous != title:
        previous = title
        title = _FEAT.sub("", title)
        title = re.sub(r"\s+[-–—]\s+[^-–—]*(?:remaster|live|version|edit|mix)[^-–—]*$", "", title, flags=re.I)
        title = _VERSION.sub("", title).strip(" -–—")
    return title or previous or ""


def _unclosed_tail(name: str) -> str:
    """'Social House)' (what '(with Social House)' leaves) -> 'Social House'; '周杰倫 (Jay Chou)' stays."""
    name = name.strip()
    while name and name[-1] in ")]）" and sum(name.count(c) for c in "([（") < sum(name.count(c) for c in ")]）"):
        name = name[:-1].strip()
    return name


def billed_credit(artist: str) -> str:
    """The credit before any featured artist: 'Lil Nas X Featuring Billy Ray Cyrus' -> 'Lil Nas X' (split
    first, so the 'X' of a name is not read as 'A x B')."""
    text = unicodedata.normalize("NFKC", artist or "").strip()
    return _FEATURED_CREDIT.split(text, maxsplit=1)[0].strip(" ,;") or text


def main_artist(artist: str) -> str:
    parts = [p for p in _ARTIST_SPLIT.split(billed_credit(artist)) if p.strip()]
    return parts[0].strip() if parts else ""


def artist_names(artist: str) -> list[str]:
    """Every credited name, billed ones first: 'A, B & C featuring D' -> A, B, C, D."""
    text = unicodedata.normalize("NFKC", artist or "").strip()
    names: list[str] = []
    for part in _FEATURED_CREDIT.split(text):
        for name in _ARTIST_SPLIT.split(part):
            name = _unclosed_tail(name)
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    return names


def song_key(title: str, artist: str) -> str:
    """'晴天 (Live)' by '周杰倫 feat. X' and '晴天' by '周杰伦' share a key."""
    return f"{normalise_name(main_artist(artist))}|{normalise_name(strip_versions(title))}"
