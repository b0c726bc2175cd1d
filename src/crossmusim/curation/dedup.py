"""Deduplication at the text level: exact (normalised hash) and near (MinHash LSH).

Near-duplicates are found on character n-grams, which works for Chinese (no word boundaries) and
English alike. Shingles are hashed with a vectorised rolling polynomial over code points and
MinHash signatures are computed with numpy, so no per-shingle Python work is done; LSH bands give
candidate pairs, which the signatures' estimated Jaccard similarity screens (within a wide margin)
before each survivor is confirmed on the exact Jaccard similarity of the shingle sets.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

import numpy as np

from crossmusim.chinese import to_simplified
from crossmusim.curation.base import Filter, Verdict
from crossmusim.records import TextRecord

_MAX_COMPARISONS = 32  # per text and band
_MAX_REJECTED = 4_000_000  # pairs remembered as failed (~300 MB); beyond that the memo starts again
SCREEN_MARGIN = 0.15  # the MinHash estimate's error at 128 permutations is about 0.035 (sd)
_SPACE_PUNCT = re.compile(r"[\W_]+", re.U)


def normalise_for_dedup(text: str) -> str:
    return _SPACE_PUNCT.sub(" ", to_simplified(unicodedata.normalize("NFKC", text)).casefold()).strip()


def exact_key(record: TextRecord) -> str:
    body = " | ".join(record.aspects) if record.text_type == "aspects" else record.text
    return record.text_type + ":" + hashlib.sha1(normalise_for_dedup(body).encode("utf-8")).hexdigest()


class SharedTexts:
    """Counts kept rows whose text another song also has (a curated pairs build keeps them: a tag
    phrase such as "upbeat, rock" is the same text of many songs, not a duplicate to drop)."""

    def __init__(self) -> None:
        self.first_song: dict[str, str] = {}
        self.rows = 0

    def add(self, record: TextRecord, song_id: str) -> None:
        if self.first_song.setdefault(exact_key(record), song_id) != song_id:
            self.rows += 1


class ExactDedup(Filter):
    name = "dedup_exact"
    default_reason = "exact_duplicate"

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def keep(self, record: TextRecord) -> Verdict:
        key = exact_key(record)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def shingle_hashes(text: str, n: int) -> np.ndarray:
    """64-bit hashes of the character n-grams of `text` (the whole text if shorter than n)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < n:
        codes = np.concatenate([codes, np.zeros(n - len(codes), dtype=np.uint64)])
    count = len(codes) - n + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            hashes = hashes * np.uint64(1_000_003) + codes[k : k + count]
    return np.unique(hashes)


class MinHasher:
    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            # Multiply-add in the 64-bit ring, keep the top 32 bits: a fast universal hash family.
            mixed = (self.a[:, None] * hashes[None, :] + self.b[:, None]) >> np.uint64(32)
        return mixed.min(axis=1).astype(np.uint32)


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows whose S-curve steps up a little below `threshold` (recall first)."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        if num_perm % rows:
            continue
        bands = num_perm // rows
        if (1 / bands) ** (1 / rows) <= threshold - 0.1:
            best = (bands, rows)
    return best


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted, unique shingle-hash arrays."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def near_duplicate_of(
    texts: list[str], *, threshold: float = 0.8, num_perm: int = 128, ngram: int = 5, seed: int = 1
) -> list[int | None]:
    """For each text, the earliest text it is a near duplicate of (directly), or None (in memory)."""
    hasher = MinHasher(num_perm, seed)
    shingle_sets = [shingle_hashes(normalise_for_dedup(t), ngram) for t in texts]
    signatures = (
        np.stack([hasher.signature(h) for h in shingle_sets]) if texts else np.zeros((0, num_perm), dtype=np.uint32)
    )
    return near_duplicates(signatures, shingle_sets.__getitem__, threshold=threshold)


def _buckets(block: np.ndarray) -> list[np.ndarray]:
    """Rows of `block` with equal values, as index arrays (ascending), for buckets of two or more,
    in the order of their first index (as a dict filled in index order would give them)."""
    if len(block) < 2:
        return []
    keys = np.ascontiguousarray(block).view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    ends = np.append(starts[1:], len(order))
    crowded = np.flatnonzero(ends - starts >= 2)
    groups = [order[starts[g] : ends[g]] for g in crowded]
    groups.sort(key=lambda members: int(members[0]))
    return groups


def near_duplicates(
    signatures: np.ndarray, shingles_of: Callable[[int], np.ndarray], *, threshold: float = 0.8
) -> list[int | None]:
    """For each row of `signatures`, the earliest row it is a near duplicate of (directly), or None.

    `signatures` may be a memory-mapped file (build-dataset keeps them on disk) and `shingles_of(i)`
    gives text i's sorted unique shingle hashes, for the exact check of the few candidates.
    LSH bands on MinHash signatures propose candidates generously (the S-curve steps up well below
    the threshold); each candidate pair is then confirmed on the exact Jaccard similarity of the
    shingle sets, so precision does not depend on signature noise. Texts are dropped per connected
    cluster: a text joined to the cluster of an earlier text is reported as a duplicate even when it
    is near only to another member.
    """
    count, num_perm = signatures.shape
    bands, rows = lsh_params(threshold, num_perm)
    parent = np.arange(count)
    direct: list[int | None] = [None] * count
    rejected: set[int] = set()  # pairs (j * count + i) that failed the exact check: not checked again

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for band in range(bands):
        # One band's keys in memory at a time (count x rows x 4 bytes), bucketed by sorting them.
        for members_array in _buckets(np.asarray(signatures[:, band * rows : (band + 1) * rows])):
            members = members_array.tolist()
            member_sigs = np.asarray(signatures[members_array])
            for pos in range(1, len(members)):
                i = members[pos]
                # Bounded work in crowded buckets: the nearest earlier members; the signatures'
                # estimate screens them (vectorised) before the exact check.
                lo = max(0, pos - _MAX_COMPARISONS)
                estimates = (member_sigs[lo:pos] == member_sigs[pos]).mean(axis=1)
                for offset in np.nonzero(estimates >= threshold - SCREEN_MARGIN)[0]:
                    j = members[lo + int(offset)]
                    if find(j) == find(i) or j * count + i in rejected:
                        continue  # (a confirmed pair is in one cluster from then on)
                    if exact_jaccard(shingles_of(j), shingles_of(i)) < threshold:
                        if len(rejected) >= _MAX_REJECTED:
                            rejected.clear()  # only a memo: memory stays bounded, a pair may be checked again
                        rejected.add(j * count + i)
                        continue
                    if direct[i] is None or j < direct[i]:
                        direct[i] = j
                    a, b = find(i), find(j)
                    parent[max(a, b)] = min(a, b)  # the earliest text represents its cluster
    result: list[int | None] = []
    for i in range(count):
        root = find(i)
        result.append(None if root == i else (direct[i] if direct[i] is not None else root))
    return result
