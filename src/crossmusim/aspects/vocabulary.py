"""Music vocabularies: canonical tags with their surface forms, in English and Chinese.

Sources: the built-in `data/vocab.tsv`; user TSV files in the same format; MuChin-V2's synonym maps
(`{canonical: [surface forms]}` per category JSON file); MusicCaps' aspect lists (each phrase seen
at least `min_count` times becomes a tag). The later source never overrides an earlier canonical.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from crossmusim.errors import InputFormatError, UserError

_CJK = re.compile(r"[\u3400-\u9fff]")
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "with",
        "and",
        "in",
        "on",
        "that",
        "is",
        "are",
        "this",
        "to",
        "by",
        "it",
        "its",
        "as",
        "at",
        "for",
        "some",
        "very",
        "quite",
        "which",
        "has",
        "have",
    }
)
NEGATIONS = frozenset({"no", "not", "without", "lack", "lacks", "lacking", "never", "absent"})
_IRREGULAR = {
    "pianist": "piano",
    "drummer": "drum",
    "singer": "sing",
    "singing": "sing",
    "sung": "sing",
    "vocalist": "vocal",
    "voices": "voice",
    "guitarist": "guitar",
    "bassist": "bass",
    "violinist": "violin",
    "melodies": "melody",
    "melodic": "melody",
    "rhythmic": "rhythm",
    "harmonies": "harmony",
    "harmonic": "harmony",
    "percussive": "percussion",
    "orchestral": "orchestra",
    "emotionally": "emotional",
    "melancholic": "melancholy",
    "synths": "synth",
}


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def stem(word: str) -> str:
    """A light, symmetric English stemmer: plurals, -ing, -ed, -ly, -ist (applied to text and tags alike)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, replacement, min_len in (
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ing", "", 7),
        ("ed", "", 6),
        ("ly", "", 6),
        ("ist", "", 7),
        ("es", "", 6),
        ("s", "", 4),
    ):
        if len(word) >= min_len and word.endswith(suffix):
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("shes", "ches", "xes", "zes", "sses")):
                continue
            return word[: len(word) - len(suffix)] + replacement
    return word


def en_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("/", " ").replace("_", " ")
    return [stem(t) for t in re.findall(r"[a-z0-9&']+", text)]


def en_key(phrase: str) -> tuple[str, ...]:
    """Order-free identity of an English phrase: its stemmed content words."""
    return tuple(sorted(t for t in en_tokens(phrase) if t not in STOPWORDS))


def zh_key(phrase: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", phrase)).lower()


def surface_key(phrase: str) -> tuple[str, ...] | str:
    return zh_key(phrase) if is_chinese(phrase) else en_key(phrase)


@dataclass
class Vocabulary:
    canonical_of: dict[tuple[str, ...] | str, str] = field(default_factory=dict)  # surface key -> tag
    category_of: dict[str, str] = field(default_factory=dict)  # tag -> category
    sources: list[str] = field(default_factory=list)

    def add(self, canonical: str, category: str, surfaces: list[str]) -> None:
        canonical = canonical.strip()
        if not canonical:
            return
        tag = canonical.lower() if not is_chinese(canonical) else canonical
        self.category_of.setdefault(tag, category)
        for surface in [canonical, *surfaces]:
            key = surface_key(surface)
            if key and (not isinstance(key, str) or len(key) >= 2):  # single characters are too ambiguous
                self.canonical_of.setdefault(key, tag)

    def canonical(self, phrase: str) -> str:
        """The canonical tag of an aspect phrase, or the phrase itself normalised."""
        key = surface_key(phrase)
        if key in self.canonical_of:
            return self.canonical_of[key]
        return zh_key(phrase) if is_chinese(phrase) else " ".join(en_tokens(phrase)) or phrase.strip().lower()

    def __len__(self) -> int:
        return len(self.canonical_of)


def add_tsv(vocab: Vocabulary, text: str, source: str) -> None:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise InputFormatError(source, lineno, "expected canonical<TAB>category<TAB>forms|separated|by|bars")
        surfaces = [s.strip() for s in cells[2].split("|")] if len(cells) > 2 else []
        vocab.add(cells[0], cells[1].strip(), [s for s in surfaces if s])
    vocab.sources.append(source)


def add_muchin_v2(vocab: Vocabulary, folder: Path) -> None:
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise UserError(f"{folder}: no MuChin-V2 synonym JSON files found")
    for path in files:
        mapping = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(mapping, dict):
            raise InputFormatError(path, None, "expected {canonical: [synonyms]}")
        for canonical, surfaces in mapping.items():
            vocab.add(canonical, path.stem, [s for s in surfaces if isinstance(s, str)])
    vocab.sources.append(f"muchin-v2:{folder}")


def add_musiccaps(
    vocab: Vocabulary, csv_path: Path, *, min_count: int = 2, exclude_ytids: set[str] | None = None
) -> None:
    """Aspect phrases of MusicCaps rows (optionally leaving out evaluation rows) seen >= min_count times."""
    counts: Counter[str] = Counter()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for lineno, row in enumerate(csv.DictReader(handle), start=2):
            if exclude_ytids and row.get("ytid") in exclude_ytids:
                continue
            try:
                aspects = ast.literal_eval(row["aspect_list"])
            except (KeyError, ValueError, SyntaxError):
                raise InputFormatError(csv_path, lineno, "aspect_list is not a Python list literal") from None
            counts.update(a.strip().lower() for a in aspects if a.strip())
    for phrase, count in counts.most_common():
        if count >= min_count:
            vocab.add(phrase, "musiccaps", [])
    vocab.sources.append(f"musiccaps:{csv_path}")


def builtin_vocabulary() -> Vocabulary:
    vocab = Vocabulary()
    text = (resources.files("crossmusim.aspects") / "data" / "vocab.tsv").read_text(encoding="utf-8")
    add_tsv(vocab, text, "built-in vocab.tsv")
    return vocab


def load_vocabulary(specs: list[str]) -> Vocabulary:
    """`--vocab` values: a TSV path, `muchin-v2=DIR` or `musiccaps=CSV`; the built-in list comes first."""
    vocab = builtin_vocabulary()
    for spec in specs:
        kind, sep, value = spec.partition("=")
        path = Path(value if sep else spec)
        if not path.exists():
            raise UserError(f"{path}: vocabulary not found (give a TSV file, muchin-v2=DIR or musiccaps=CSV)")
        if sep and kind == "muchin-v2":
            add_muchin_v2(vocab, path)
        elif sep and kind == "musiccaps":
            add_musiccaps(vocab, path)
        elif not sep:
            add_tsv(vocab, path.read_text(encoding="utf-8"), str(path))
        else:
            raise UserError(f"--vocab {spec!r}: unknown kind {kind!r} (muchin-v2=DIR or musiccaps=CSV)")
    return vocab
