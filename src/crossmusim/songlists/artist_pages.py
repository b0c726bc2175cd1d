"""A prominent artist's songs from their encyclopedia page: the works tables under a works heading
(主要作品, 音乐作品, discography...), the works lines of those sections, and the infobox's 代表作品."""

from __future__ import annotations

import re
from collections import Counter

from crossmusim.crawlers.parsing import infobox as ib
from crossmusim.crawlers.parsing.lemma_page import parse_lemma
from crossmusim.crawlers.parsing.tables import parse_tables
from crossmusim.songlists.columns import fold_header, place_columns
from crossmusim.songlists.entries import ARTIST_PAGE, ChartContext, ChartEntry, read_entries

WORKS_HEADINGS = ("主要作品", "音乐作品", "个人作品", "歌曲作品", "演唱作品", "单曲作品", "发行单曲", "单曲",
                  "discography", "singles", "songs")  # fmt: skip
WORKS_INFOBOX_KEYS = ("代表作品", "主要作品", "代表作")
_BRACKETED = re.compile(r"《([^《》]{1,80})》")
_ALBUM_WORDS = ("专辑", "專輯", "album")
_YEAR_PREFIX = re.compile(r"(19|20)\d\d(年|[.\-/]\d{1,2}(月)?)?")


def is_works_heading(text: str) -> bool:
    folded = fold_header(text)
    return any(name in folded for name in WORKS_HEADINGS)


def works_line_title(line: str) -> str | None:
    """The song of a works line: its first 《title》 that opens the line, follows a year ("2003年《晴天》")
    or a label ending in a colon ("主题曲：《微酿心韵》(V.K克)"), and is not named as an album
    ("收录于专辑：《叶惠美》" gives none). Other text before it is a table row's (title, year, 《album》)."""
    for match in _BRACKETED.finditer(line):
        before = line[: match.start()].strip()
        label = before.rstrip("：:").rstrip()
        if label.lower().endswith(_ALBUM_WORDS):
            continue
        if not before or before != label or _YEAR_PREFIX.fullmatch(before):
            return match.group(1)
    return None


def artist_entries(html: str, url: str, artist: str, dropped: Counter[str]) -> list[ChartEntry]:
    """Songs the page lists as the artist's, each an entry of the list `artist-page: ARTIST`."""
    chart = f"{ARTIST_PAGE}: {artist}"
    context = ChartContext(chart=chart, source=url)
    entries: list[ChartEntry] = []
    for table in parse_tables(html).tables:
        if not is_works_heading(table.context) or not table.rows:
            continue
        columns = place_columns(table.rows[0], by_position=True)
        if "title" not in columns.columns:
            continue
        width = len(table.rows[0])
        columns.columns["artist"] = width  # a column added to every row: the page's artist
        rows = [[*row[:width], artist] for row in table.rows[1:]]
        entries += read_entries(rows, columns, context, dropped)
    lemma = parse_lemma(html, url)
    titles: list[str] = []
    for heading, text in lemma.sections:
        if is_works_heading(heading):
            titles += [title for line in text.splitlines() if (title := works_line_title(line))]
    for key, value in lemma.infobox:
        if ib.clean_key(key) in WORKS_INFOBOX_KEYS:
            titles += _BRACKETED.findall(value) or ib.split_names(value)
    rows = [{"title": title, "artist": artist} for title in titles]
    entries += read_entries(rows, place_columns(["title", "artist"]), context, dropped)
    return entries
