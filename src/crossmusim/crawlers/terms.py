"""Search query terms: the built-in lists over genre, mood, theme, language, timbre and tempo, and
user files (one term per line, or `category<TAB>term`; `#` starts a comment)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import read_text
from crossmusim.records import QueryTerm

CATEGORIES = ("genre", "mood", "theme", "language", "timbre", "tempo")


def _parse_lines(lines: list[str], source: str, default_category: str) -> list[QueryTerm]:
    terms: list[QueryTerm] = []
    seen: set[tuple[str, str]] = set()
    for lineno, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) == 1:
            category, term, gloss = default_category, cells[0], ""
        elif len(cells) in (2, 3):
            category, term = cells[0] or default_category, cells[1]
            gloss = cells[2] if len(cells) == 3 else ""
        else:
            raise InputFormatError(source, lineno, f"expected 'term' or 'category<TAB>term', got {len(cells)} columns")
        if not term:
            raise InputFormatError(source, lineno, "empty term", "write one term per line")
        if (category, term) not in seen:
            seen.add((category, term))
            terms.append(QueryTerm(term=term, category=category, gloss=gloss))
    return terms


def builtin_terms() -> list[QueryTerm]:
    text = (resources.files("crossmusim.crawlers") / "data" / "terms.tsv").read_text(encoding="utf-8")
    return _parse_lines(text.splitlines(), "built-in terms.tsv", "custom")


def load_terms(spec: str | Path) -> list[QueryTerm]:
    """`default` for the built-in lists, else a terms file."""
    if str(spec) == "default":
        return builtin_terms()
    path = Path(spec)
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a terms file (one term per line, or category<TAB>term)")
    if not path.is_file():
        raise UserError(f"{path}: terms file not found (give a file with one term per line, or 'default')")
    lines = read_text(path).splitlines()  # UTF-8, GB18030 or Big5
    terms = _parse_lines(lines, str(path), "custom")
    if not terms:
        raise UserError(f"{path}: no terms in the file (write one term per line)")
    return terms
