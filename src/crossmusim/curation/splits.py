"""Train/validation/test splits with no artist in two splits, deterministic for a seed.

Rows are grouped first (`ArtistGroups`): two rows are in one group when they share any artist after
normalisation (each credited name counts: "A feat. B" joins A's and B's songs) or the same audio
file (so a name written in two scripts, 周杰伦 in a crawled page and Jay Chou in a catalogue, is
joined through the recording they both describe). Groups are ordered by a seeded hash and each goes,
with all its rows, to the split that is furthest below its target share; texts without a known
artist are grouped by song. While a split with a
share is still empty and enough artists exist to give every such split one, the next artist goes to
an empty split first: on small data (six artists, a few songs each) no split is left empty.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from crossmusim.curation.songkey import artist_names, normalise_name
from crossmusim.errors import UserError

SPLITS = ("train", "validation", "test")
_BRACKETED = re.compile(r"[\(（\[【]([^\)）\]】]+)[\)）\]】]")


def credited_artists(artist: str) -> list[str]:
    """Every name credited in an artist field, normalised: '周杰倫 (Jay Chou) feat. 费玉清' gives
    ['jaychou', '周杰伦', '费玉清']."""
    names = []
    for name in artist_names(artist):
        inner = _BRACKETED.findall(name)  # another script's name in brackets
        names += [*inner, _BRACKETED.sub("", name)] if inner else [name]
    return list(dict.fromkeys(k for k in (normalise_name(n) for n in names) if k))


AUDIO = "\x00audio:"  # audio-file keys; never an artist name or a song id


class ArtistGroups:
    """Union-find over artist names and audio files: the groups that must share a split. A group is
    known by its smallest artist key (a song id for texts without an artist), as before grouping by
    shared names and files, so the seeded order of groups that nothing joined stays the same."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.rows: Counter[str] = Counter()  # rows per first key, resolved to groups in `sizes`

    def find(self, key: str) -> str:
        root = key
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lead, other = sorted((ra, rb), key=lambda k: (k.startswith(AUDIO), k))  # independent of row order
            self.parent[other] = lead

    def add(self, artist: str, audio: str, song_id: str) -> str:
        """Record one row; returns its key (resolve it with `find` once every row is added)."""
        keys = credited_artists(artist) or [song_id]
        keys.append(AUDIO + audio)
        for key in keys[1:]:
            self.union(keys[0], key)
        self.rows[keys[0]] += 1
        return keys[0]

    def sizes(self) -> Counter[str]:
        """Rows per group (by its root key)."""
        out: Counter[str] = Counter()
        for key, count in self.rows.items():
            out[self.find(key)] += count
        return out


def assign_splits(
    groups: Iterable[str] | Mapping[str, int], *, seed: int, shares: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> dict[str, str]:
    """group (artist key) -> split, given one entry per row or the rows per group (sizes are row counts)."""
    sizes = Counter(groups)
    order = sorted(sizes, key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
    filled = dict.fromkeys(SPLITS, 0)
    total = sum(sizes.values())
    wanted = [s for s, share in zip(SPLITS, shares, strict=True) if share > 0]
    seed_empty = len(sizes) >= len(wanted)

    def deficit(split: str) -> tuple[float, int]:
        return shares[SPLITS.index(split)] * total - filled[split], -SPLITS.index(split)

    assignment: dict[str, str] = {}
    for group in order:
        empty = [s for s in wanted if filled[s] == 0] if seed_empty else []
        # An empty split first; otherwise the split with the largest deficit against its share.
        split = max(empty or SPLITS, key=deficit)
        assignment[group] = split
        filled[split] += sizes[group]
    return assignment


def parse_shares(text: str) -> tuple[float, float, float]:
    """`0.8,0.1,0.1` -> (0.8, 0.1, 0.1): three non-negative shares of train, validation, test summing to 1."""
    try:
        shares = tuple(float(part) for part in text.split(","))
    except ValueError:
        shares = ()
    if len(shares) != 3 or any(s < 0 for s in shares) or abs(sum(shares) - 1) > 1e-6 or shares[0] <= 0:
        raise ValueError(
            f"--split-shares {text!r}: give three shares of train,validation,test that sum to 1, e.g. 0.8,0.1,0.1"
        )
    return shares  # type: ignore[return-value]


def reference_splits(folder: Path) -> dict[str, set[str]]:
    """group key (`ArtistGroups`: an artist's, else a song's) -> the splits an earlier build-dataset
    output has it in (one, unless a key of its own was in two: `split_rows.follow_reference`)."""
    import datasets

    if not (folder / "pairs" / "dataset_dict.json").is_file():
        raise UserError(f"--splits-from {folder}: not a build-dataset output (no pairs/dataset_dict.json)")
    pairs = datasets.load_from_disk(str(folder / "pairs"))
    found: dict[str, set[str]] = {}
    for split in pairs:
        for artist, song_id in zip(pairs[split]["artist"], pairs[split]["song_id"], strict=True):
            for key in credited_artists(artist) or [song_id]:
                found.setdefault(key, set()).add(split)
    return found
