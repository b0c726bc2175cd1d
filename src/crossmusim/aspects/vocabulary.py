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

from crossmusim.chinese import CJK as _CJK
from crossmusim.errors import InputFormatError, UserError
from crossmusim.io import open_text, read_text

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
# Words the suffix rules would turn into another tag: adjectives in -ly (lively is not live, lovely is
# not love) and verb or plural forms of genre words (she dances is no dance music; our lives).
NOT_STEMMED = frozenset(
    {"lively", "lovely", "lonely", "friendly", "holy", "ugly", "deadly", "elderly", "jolly", "silly", "chilly",
     "costly", "likely", "timely", "orderly", "dances", "danced", "lives", "lived", "rocks", "rocked", "rocking",
     "souls", "blues", "classics", "houses", "popping"}
)  # fmt: skip


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def stem(word: str) -> str:
    """A light, symmetric English stemmer: plurals, -ing, -ed, -ly, -ist (applied to text and tags alike)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in NOT_STEMMED:
        return word
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


# MuChin-V2's maps are coarse clusters: a label such as 其他 (686 forms), 人声与表演 or 艺术风格 names a
# category, not an aspect, and a large cluster gathers unrelated forms (快速 <- 忧伤, 广场舞). Only small
# clusters under a specific label canonicalise their forms; every other form stays a tag of its own,
# and a category-like label is never a tag.
MUCHIN_SPECIFIC_MAX_FORMS = 50  # 流行 (45 pop variants) canonicalises; 快速 (78, with 忧伤) does not
_CATEGORY_LABEL_ENDINGS = (
    "其他",
    "特点",
    "特质",
    "特征",
    "风格",
    "类",
    "表达",
    "表演",
    "状态",
    "活动",
    "场合",
    "体验",
    "年龄段",
    "类型",
)


def is_category_label(label: str) -> bool:
    """A MuChin-V2 cluster name that names a category (其他, 人声与表演, 艺术风格), never an aspect."""
    return label.endswith(_CATEGORY_LABEL_ENDINGS) or "与" in label


def add_muchin_v2(vocab: Vocabulary, folder: Path, *, clusters_as_tags: bool = False) -> None:
    """MuChin-V2 synonym maps. `clusters_as_tags` restores mapping every form to its cluster label
    (the coarse behaviour, kept only to measure it against)."""
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise UserError(f"{folder}: no MuChin-V2 synonym JSON files found")
    for path in files:
        mapping = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(mapping, dict):
            raise InputFormatError(path, None, "expected {canonical: [synonyms]}")
        for label, surfaces in mapping.items():
            forms = [s for s in surfaces if isinstance(s, str)]
            if clusters_as_tags:
                vocab.add(label, path.stem, forms)
                continue
            category = is_category_label(label)
            if not category and len(forms) <= MUCHIN_SPECIFIC_MAX_FORMS:
                vocab.add(label, path.stem, forms)
                continue
            if not category:
                vocab.add(label, path.stem, [])
            for form in forms:
                if not is_category_label(form):
                    vocab.add(form, path.stem, [])
    vocab.sources.append(f"muchin-v2:{folder}")


def musiccaps_eval_ids(csv_path: Path) -> set[str]:
    """The ytids of MusicCaps' evaluation rows (`is_audioset_eval` True)."""
    with open_text(csv_path) as handle:
        return {r["ytid"] for r in csv.DictReader(handle) if r.get("is_audioset_eval") == "True"}


def add_musiccaps(
    vocab: Vocabulary, csv_path: Path, *, min_count: int = 2, exclude_ytids: set[str] | None = None
) -> None:
    """Aspect phrases of MusicCaps rows (optionally leaving out evaluation rows) seen >= min_count times."""
    counts: Counter[str] = Counter()
    with open_text(csv_path) as handle:
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


def read_ids(path: Path) -> set[str]:
    """Ids to keep out of a vocabulary: one per line, or a CSV whose header has `ytid` or `id`."""
    if not path.is_file():
        raise UserError(f"{path}: ids file not found (one id per line, or a CSV with a ytid or id column)")
    lines = read_text(path).splitlines()
    header = [h.strip() for h in lines[0].split(",")] if lines else []
    column = next((name for name in ("ytid", "id") if name in header), None)
    if column is None:
        return {line.strip() for line in lines if line.strip()}
    with open_text(path) as handle:
        return {row[column].strip() for row in csv.DictReader(handle) if (row.get(column) or "").strip()}


def load_vocabulary(specs: list[str], *, exclude_ids: set[str] | None = None) -> Vocabulary:
    """`--vocab` values: a TSV path, `muchin-v2=DIR`, `musiccaps=CSV` or `musiccaps-train=CSV` (its
    evaluation rows left out); the built-in list comes first. `exclude_ids` (MusicCaps ytids) keeps
    evaluation rows out of a MusicCaps vocabulary, so gold aspects do not leak into it."""
    vocab = builtin_vocabulary()
    for spec in specs:
        kind, sep, value = spec.partition("=")
        path = Path(value if sep else spec)
        if not path.exists():
            raise UserError(f"{path}: vocabulary not found (give a TSV file, muchin-v2=DIR or musiccaps=CSV)")
        if sep and kind == "muchin-v2":
            add_muchin_v2(vocab, path)
        elif sep and kind in ("musiccaps", "musiccaps-train"):
            leave_out = set(exclude_ids or ())
            if kind == "musiccaps-train":
                leave_out |= musiccaps_eval_ids(path)
            add_musiccaps(vocab, path, exclude_ytids=leave_out)
        elif not sep:
            add_tsv(vocab, read_text(path), str(path))
        else:
            raise UserError(
                f"--vocab {spec!r}: unknown kind {kind!r} (muchin-v2=DIR, musiccaps=CSV or musiccaps-train=CSV)"
            )
    return vocab
