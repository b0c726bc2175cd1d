"""Masking of song titles, artists and albums in texts (on by default; --no-mask for the ablation).

The model must learn what music sounds like, not to spot names, so every mention becomes a
placeholder: 《title》 and bare titles, partial titles (the main title without version suffixes, the
parts of a long title), artist names (each credited name, Chinese names with or without spaces,
Traditional or Simplified, English aliases given in the data), album names. Names are replaced
longest first, so that a title containing the artist's name is masked as the title.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crossmusim.chinese import CJK as _CJK
from crossmusim.chinese import to_simplified, to_traditional
from crossmusim.curation.base import Transform
from crossmusim.curation.songkey import artist_names, strip_versions
from crossmusim.records import TextRecord

TITLE, ARTIST, ALBUM = "[TITLE]", "[ARTIST]", "[ALBUM]"

_MIN_LATIN, _MIN_CJK = 3, 2  # shorter names are too likely to be ordinary words


def _variants(name: str) -> set[str]:
    name = unicodedata.normalize("NFKC", name).strip()
    if not name:
        return set()
    forms = {name, to_simplified(name), to_traditional(name)}
    return {f for f in forms if len(f) >= (_MIN_CJK if _CJK.search(f) else _MIN_LATIN)}


def title_parts(title: str) -> set[str]:
    """The title, its main part without version suffixes, and the parts of a long title."""
    main = strip_versions(title)
    parts = {title, main}
    for piece in re.split(r"\s*(?:[\(\)（）\[\]【】:：\-–—/|~～]|\s-\s)\s*", main):
        piece = piece.strip()
        if (_CJK.search(piece) and len(piece) >= 2) or len(piece) >= 4:
            parts.add(piece)
    return {p for p in parts if p}


def _pattern(name: str) -> str:
    """Chinese names match with or without spaces between characters; Latin names at word edges."""
    if _CJK.search(name):
        chars = [re.escape(c) for c in name if not c.isspace()]
        return r"\s?".join(chars)
    body = r"\s+".join(re.escape(w) for w in name.split())
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


@dataclass
class NameMasker:
    placeholders: list[tuple[str, str]]  # (name, placeholder), longest first

    @classmethod
    def for_song(
        cls,
        title: str,
        artist: str,
        album: str = "",
        aliases: list[str] | None = None,
        title_aliases: list[str] | None = None,
    ) -> NameMasker:
        """`aliases`: other names of the artist; `title_aliases`: other titles of the song."""
        entries: dict[str, str] = {}
        for name in [title, *(title_aliases or [])]:
            for part in title_parts(name) if name else ():
                for form in _variants(part):
                    entries.setdefault(form, TITLE)
        for name in [*artist_names(artist), *(aliases or [])]:
            bare = re.sub(r"^the\s+", "", name.strip(), flags=re.I)  # "The Beatles" -> also "Beatles"
            for form in _variants(name) | _variants(bare):
                entries.setdefault(form, ARTIST)
        for form in _variants(strip_versions(album)) if album else ():
            entries.setdefault(form, ALBUM)
        return cls(sorted(entries.items(), key=lambda kv: (-len(kv[0]), kv[0])))

    @functools.cached_property
    def _regex(self) -> re.Pattern[str] | None:
        if not self.placeholders:
            return None
        return re.compile(
            "|".join(f"(?P<n{i}>{_pattern(n)})" for i, (n, _) in enumerate(self.placeholders)), re.IGNORECASE
        )

    def mask(self, text: str) -> str:
        if self._regex is None:
            return text
        return self._regex.sub(lambda m: self.placeholders[int(m.lastgroup[1:])][1], text)  # type: ignore[index]

    def leaks(self, text: str) -> bool:
        """Whether a name is still in the text (after masking this should be False)."""
        return self._regex is not None and self._regex.search(text) is not None


@functools.lru_cache(maxsize=8192)
def _masker(
    title: str, artist: str, album: str, aliases: tuple[str, ...], title_aliases: tuple[str, ...]
) -> NameMasker:
    """One compiled masker per song: a song has many texts, in any order."""
    return NameMasker.for_song(title, artist, album, list(aliases), list(title_aliases))


class MaskNames(Transform):
    name = "mask"

    def __init__(self) -> None:
        self.checked = 0
        self.leaked = 0

    def transform(self, record: TextRecord) -> None:
        masker = _masker(record.title, record.artist, record.album, tuple(record.aliases), tuple(record.title_aliases))
        record.text = masker.mask(record.text)
        record.aspects = [masker.mask(a) for a in record.aspects]
        record.masked = True
        self.checked += 1
        # The leak check runs on the Simplified form, so a Traditional mention is caught too.
        if masker.leaks(to_simplified(record.text)) or any(masker.leaks(a) for a in record.aspects):
            self.leaked += 1

    @property
    def leak_share(self) -> float:
        return self.leaked / self.checked if self.checked else 0.0
