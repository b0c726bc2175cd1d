"""Which column of a chart table holds what: titles, artists, years, ranks and chart names, recognised by
their usual header names in English and Chinese, case, width and script folded."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from crossmusim.chinese import to_simplified

ROLES = ("title", "artist", "year", "rank", "chart")
# role -> header names (folded: lower case, Simplified, single spaces, no footnote marks)
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "song", "track", "track name", "track title", "song title", "song name", "single", "name",
              "歌名", "歌曲", "歌曲名", "歌曲名称", "单曲", "曲目", "曲名", "作品名称"),
    "artist": ("artist", "artists", "artist name", "artist names", "artist name(s)", "artist(s)", "performer",
               "performers", "performer(s)", "singer", "歌手", "演唱", "演唱者", "艺人", "原唱", "歌手/乐队"),
    "year": ("year", "release date", "release year", "released", "date", "发行时间", "发行日期", "发行年份",
             "年份", "年度", "时间"),
    "rank": ("rank", "no.", "no", "#", "position", "pos.", "pos", "ranking", "排名", "名次", "序号"),
    "chart": ("chart", "chart name", "list", "playlist", "榜单", "排行榜", "榜单名称"),
}  # fmt: skip
_BY_NAME = {name: role for role, names in HEADER_NAMES.items() for name in names}
_FOOTNOTES = re.compile(r"\[[^\]]{0,20}\]|[*†‡§¶]+")


def fold_header(name: object) -> str:
    """'Artist(s)[a]' -> 'artist(s)'; '歌 手' -> '歌手'; '發行時間' -> '发行时间'."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = to_simplified(_FOOTNOTES.sub("", text)).casefold().strip(" :：")
    text = re.sub(r"\s+", " ", text)
    return text.replace(" ", "") if re.search(r"[\u4e00-\u9fff]", text) else text


@dataclass
class ColumnMap:
    """Role -> column (a header name for files, a position for HTML tables), and the columns left over."""

    columns: dict[str, str | int] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)

    def has_songs(self) -> bool:
        return "title" in self.columns and "artist" in self.columns

    def missing(self) -> list[str]:
        return [role for role in ("title", "artist") if role not in self.columns]


def place_columns(headers: Sequence[object], *, by_position: bool = False) -> ColumnMap:
    """Each role's first matching column; a named column no role takes is `unplaced` (an empty header is
    a table's index column and not reported)."""
    placed = ColumnMap()
    for position, header in enumerate(headers):
        role = _BY_NAME.get(fold_header(header))
        if role is not None and role not in placed.columns:
            placed.columns[role] = position if by_position else str(header)
        elif str(header or "").strip():
            placed.unplaced.append(str(header).strip())
    return placed
