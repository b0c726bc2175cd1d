"""Cleaning one chart cell: footnote marks, quotation marks around titles, featured credits, years and
ranks. Pure functions; the song key itself is `curation.songkey`'s."""

from __future__ import annotations

import re
import unicodedata

from crossmusim.curation import songkey

# [1], [a], [note 3], [citation needed], and the daggers and asterisks charts mark ties or re-entries with
_FOOTNOTE = re.compile(r"\s*\[(?:\d{1,3}|[a-z]|note \d+|nb \d+|citation needed|注 ?\d+)\]", re.I)
_MARKS = re.compile(r"\s*[†‡§¶*]+\s*$")
_QUOTES = {'"': '"', "“": "”", "„": "“", "'": "'", "‘": "’", "《": "》", "「": "」", "『": "』", "«": "»"}
_QUOTED = re.compile(r'["“„«《「『]([^"”“»》」』]+)["”“»》」』]')
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_RANK = re.compile(r"(\d{1,5})")


def clean_cell(value: object) -> str:
    """Whitespace collapsed, footnote and tie marks removed: 'Sunflower[a]' -> 'Sunflower'."""
    text = " ".join(str(value if value is not None else "").split())
    return _MARKS.sub("", _FOOTNOTE.sub("", text)).strip()


def _unquote(text: str) -> str:
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def cell_titles(value: object) -> list[str]:
    """The titles in a title cell: '"Old Town Road"' -> ['Old Town Road']; a double A-side
    '"Song A" / "Song B"' -> both; '《晴天》' -> ['晴天']."""
    text = clean_cell(value)
    quoted = _QUOTED.findall(text)
    rest = _QUOTED.sub("", text)
    if len(quoted) >= 2 and not re.sub(r"[\s/,&|]|and", "", rest):
        return [q.strip() for q in quoted if q.strip()]
    title = _unquote(text)
    return [title] if title else []


def billed_credit(value: object) -> str:
    """The main credit, featured artists left out: 'Lil Nas X Featuring Billy Ray Cyrus' -> 'Lil Nas X';
    'Simon & Garfunkel' stays whole (an act is not split where the chart does not say 'featuring')."""
    return songkey.billed_credit(clean_cell(value))


def credits(value: object) -> list[str]:
    """Every credited name: 'benny blanco, Halsey & Khalid' -> three names; 'A featuring B' -> two."""
    return songkey.artist_names(clean_cell(value))


def parse_year(value: object) -> int | None:
    """The first plausible year in a cell: 2019, '2019-05-03', '2019年5月', 'May 3, 2019'."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        year = int(value)
        return year if 1800 <= year <= 2099 else None
    match = _YEAR.search(unicodedata.normalize("NFKC", str(value or "")))
    return int(match.group(1)) if match else None


def parse_rank(value: object) -> int | None:
    """'1', '1.', '#1', '=5', '第1名', '3[a]' -> the number; '—' or '' -> None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    match = _RANK.search(clean_cell(unicodedata.normalize("NFKC", str(value or ""))))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None
