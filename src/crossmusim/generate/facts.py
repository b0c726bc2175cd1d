"""The fact check: what the model says it knows of a song against the metadata we hold.

The prompt shows only artist and title and asks back the artist, the first release year and the
album. A model that knows the song gets them right (a year off by one counts as agreement: releases
and charts straddle years); a model that invents a description usually invents these too. The
verdict is `contradict` when any held fact is contradicted, `agree` when the year or the album agrees
and none is contradicted (the artist was in the prompt: echoing it proves nothing, garbling it does),
and `unknown` otherwise (nothing held, nothing stated, or names in two scripts that cannot be
compared, such as 邓丽君 and "Teresa Teng").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from crossmusim.chinese import CJK, to_simplified
from crossmusim.records import SongRef

_NOISE = re.compile(r"[\s《》<>\"'“”‘’()（）\[\]【】.,，、:：!！?？&/-]+")


def _norm(name: str) -> str:
    return _NOISE.sub("", to_simplified(unicodedata.normalize("NFKC", name)).casefold())


def _same_script(a: str, b: str) -> bool:
    return bool(CJK.search(a)) == bool(CJK.search(b))


def compare_names(ours: str | None, theirs: str | None) -> str:
    """agree / contradict / unknown for two names (one containing the other agrees: 'Help!' and 'Help')."""
    if not ours or not theirs or not _same_script(ours, theirs):
        return "unknown"
    a, b = _norm(ours), _norm(theirs)
    if not a or not b:
        return "unknown"
    return "agree" if a in b or b in a else "contradict"


def compare_years(ours: int | None, theirs: int | None) -> str:
    if ours is None or theirs is None:
        return "unknown"
    return "agree" if abs(ours - theirs) <= 1 else "contradict"


def fact_check(song: SongRef, stated: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    """(verdict, per fact: ours, the model's, result)."""
    details = {
        "artist": {"ours": song.artist, "model": stated.get("artist") or None},
        "release_year": {"ours": song.year, "model": stated.get("release_year")},
        "album": {"ours": song.album, "model": stated.get("album") or None},
    }
    details["artist"]["result"] = _artist_result(song.artist, stated.get("artist"))
    details["release_year"]["result"] = compare_years(song.year, stated.get("release_year"))
    details["album"]["result"] = compare_names(song.album, stated.get("album"))
    if any(d["result"] == "contradict" for d in details.values()):
        return "contradict", details
    recalled = details["release_year"]["result"] == "agree" or details["album"]["result"] == "agree"
    return ("agree" if recalled else "unknown"), details


def _artist_result(ours: str, theirs: str | None) -> str:
    """Several credited artists (A、B / A & B): naming any one of them agrees."""
    if not theirs:
        return "unknown"
    parts = [p for p in re.split(r"[、,，/&]|\s+(?:and|feat\.?|ft\.?)\s+", ours) if p.strip()] or [ours]
    results = {compare_names(p, theirs) for p in parts}
    return "agree" if "agree" in results else ("contradict" if "contradict" in results else "unknown")
