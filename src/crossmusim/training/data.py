"""From a built dataset (`build-dataset`'s `pairs` and `songs`) to training samples.

Every text is its own training sample (a song with a caption, aspects and lyrics gives three), and
each is re-sampled every time it is drawn, as in the paper: a caption gives a random number of its
first sentences, aspects a random subset of up to five, lyrics a random block of consecutive lines.
`--text-types` picks which types train (validation keeps every type: one query set for all runs).
All randomness is a function of (seed, epoch, sample), so a resumed or a multi-process run draws
exactly what one uninterrupted process would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.chinese import CJK as _CJK
from crossmusim.errors import UserError
from crossmusim.model.config import TEXT_TYPES
from crossmusim.progress import progress
from crossmusim.training.audio_cache import AudioCache, CacheReport

SPLITS = ("train", "validation", "test")
LYRIC_BLOCK_LINES = (4, 8)


@dataclass
class Song:
    song_id: str
    artist: str
    audio_key: str  # the audio cache's content hash
    tags_coarse: list[str] = field(default_factory=list)
    tags_fine: list[str] = field(default_factory=list)


@dataclass
class TextItem:
    song_id: str
    text_type: str
    text: str
    sentences: list[str]
    aspects: list[str]


@dataclass
class SplitData:
    songs: dict[str, Song]
    texts: list[TextItem]


def check_text_types(types: list[str]) -> list[str]:
    unknown = [t for t in types if t not in TEXT_TYPES]
    if unknown or not types:
        raise UserError(f"--text-types {','.join(types)!r}: choose from {', '.join(TEXT_TYPES)}")
    return list(dict.fromkeys(types))


def check_dataset(dataset: Path) -> Path:
    dataset = Path(dataset)
    if not dataset.exists():
        raise UserError(f"--dataset {dataset}: no such folder (run crossmusim build-dataset first)")
    if not (dataset / "pairs").is_dir() or not (dataset / "songs").is_dir():
        raise UserError(f"{dataset}: not a built dataset (no pairs/ and songs/): run crossmusim build-dataset first")
    return dataset


def _audio_bytes(value: Any, dataset: Path) -> bytes:
    if isinstance(value, dict):
        if value.get("bytes"):
            return value["bytes"]
        value = value.get("path")
    if not value:
        raise FileNotFoundError("no audio in the row")
    path = Path(value)
    return (path if path.is_absolute() else dataset / path).read_bytes()


def load_split_data(
    dataset: Path, cache: AudioCache, text_types: list[str], splits: tuple[str, ...] = SPLITS
) -> tuple[dict[str, SplitData], CacheReport]:
    """Songs (decoded into the cache once) and texts of each split; songs whose audio is missing or
    undecodable are skipped and listed, as are their texts. Only the train split's texts are limited
    to `text_types`: the others keep every type, so that runs on different types are validated on
    the same queries."""
    import datasets

    dataset = check_dataset(dataset)
    pairs, songs = datasets.load_from_disk(str(dataset / "pairs")), datasets.load_from_disk(str(dataset / "songs"))
    report, out = CacheReport(), {}
    for split in splits:
        kept: dict[str, Song] = {}
        rows = songs[split] if split in songs else []
        for row in progress(rows, f"decoding the {split} split's audio", unit="song"):
            try:
                data = _audio_bytes(row["audio"], dataset)
                before = len(cache.store)
                key = cache.add(data)
                report.decoded += len(cache.store) - before
                report.reused += before == len(cache.store)
            except Exception as exc:  # missing file, not audio, empty: skipped and listed, never a crash
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                report.skipped.append({"split": split, "song_id": row["song_id"], "reason": reason[:200]})
                continue
            kept[row["song_id"]] = Song(
                row["song_id"], row["artist"] or row["song_id"], key, row["tags_coarse"], row["tags_fine"]
            )
        texts = [
            TextItem(r["song_id"], r["text_type"], r["text"], list(r["sentences"] or []), list(r["aspects"] or []))
            for r in (pairs[split] if split in pairs else [])
            if (split != "train" or r["text_type"] in text_types) and r["song_id"] in kept
        ]
        out[split] = SplitData(kept, texts)
    return out, report


def _join(parts: list[str], text: str) -> str:
    return ("" if _CJK.search(text) else " ").join(p.strip() for p in parts)


def sample_text(item: TextItem, rng: SampleRandom, max_aspects: int = 5) -> str:
    """One draw of the text this sample trains on (see the module docstring)."""
    if item.text_type == "aspects" and item.aspects:
        count = rng.randint(1, min(max_aspects, len(item.aspects)))
        picked = rng.sample(range(len(item.aspects)), count)
        return ", ".join(item.aspects[i] for i in sorted(picked))
    if item.text_type == "lyrics":
        lines = [line for line in item.text.splitlines() if line.strip()]
        if len(lines) > LYRIC_BLOCK_LINES[0]:
            size = min(len(lines), rng.randint(*LYRIC_BLOCK_LINES))
            start = rng.randrange(len(lines) - size + 1)
            return "\n".join(lines[start : start + size])
        return item.text
    sentences = item.sentences or [item.text]
    return _join(sentences[: rng.randint(1, len(sentences))], item.text)


def evaluation_text(item: TextItem, max_aspects: int = 5) -> str:
    """The fixed text a validation query uses: the whole text, or the first aspects."""
    if item.text_type == "aspects" and item.aspects:
        return ", ".join(item.aspects[:max_aspects])
    return item.text


MASK64 = 2**64 - 1


class SampleRandom:
    """The few draws one sample needs, from a SplitMix64 stream (Steele et al., 2014).

    A sample's generator is made from (seed, epoch, index) for every sample of every step: numpy's
    and Python's generators cost 4-11 us to seed, a third of the whole frozen-tower loader, while
    this costs well under one. Same interface subset as `random.Random`.
    """

    __slots__ = ("state",)

    def __init__(self, seed: int):
        self.state = seed & MASK64

    def _next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def randrange(self, n: int) -> int:
        """0 <= r < n (64-bit modulo: its bias is below 2**-50 for the small n used here)."""
        return self._next() % n

    def randint(self, low: int, high: int) -> int:
        return low + self.randrange(high - low + 1)

    def sample(self, population: range | list, k: int) -> list:
        pool = list(population)
        for i in range(k):  # a partial Fisher-Yates shuffle
            j = i + self.randrange(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


def sample_rng(seed: int, epoch: int, index: int) -> SampleRandom:
    """The generator of one sample's draws, a function of (seed, epoch, index) alone."""
    return SampleRandom(seed * 0x9E3779B97F4A7C15 ^ epoch * 0xC2B2AE3D27D4EB4F ^ index * 0x165667B19E3779F9)


def epoch_batches(count: int, batch_size: int, seed: int, epoch: int, multiple: int = 1) -> list[list[int]]:
    """The epoch's shuffled batches of sample indices. A last batch of one is dropped (no negative),
    and every batch is cut to a multiple of `multiple` (the process count, so each gets equal rows)."""
    order = np.random.default_rng([seed, epoch, 2**31 - 1]).permutation(count).tolist()
    batches = [order[i : i + batch_size] for i in range(0, count, batch_size)]
    batches = [b[: len(b) - len(b) % multiple] for b in batches]
    return [b for b in batches if len(b) >= max(2, multiple)]
