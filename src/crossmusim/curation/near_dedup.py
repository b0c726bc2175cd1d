"""build-dataset's near-duplicate step, out of core: signatures and shingles on disk.

While the per-record steps stream, each caption and lyrics text's MinHash signature (512 bytes) and
its shingle hashes (8 bytes each) are appended to files of its text type; afterwards
`near_duplicates` buckets one LSH band at a time from the memory-mapped signatures, and the few
candidate pairs are confirmed on the exact Jaccard similarity of their memory-mapped shingles.
"""

from __future__ import annotations

from array import array
from dataclasses import asdict

import numpy as np

from crossmusim.curation.base import CurationStats, DropSink
from crossmusim.curation.dedup import MinHasher, near_duplicates, normalise_for_dedup, shingle_hashes
from crossmusim.curation.spill import ArraySpool, Spool, WorkDir
from crossmusim.records import TextRecord

TEXT_TYPES = ("caption", "lyrics")  # aspects are keyword lists: exact dedup only
NGRAM = 5


class NearDedup:
    def __init__(self, work: WorkDir, threshold: float, num_perm: int = 128, seed: int = 1) -> None:
        self.threshold = threshold
        self.hasher = MinHasher(num_perm, seed)
        self.signatures = {t: work.array(f"minhash-{t}.u32", num_perm, np.uint32) for t in TEXT_TYPES}
        self.shingles = {t: work.array(f"shingles-{t}.u64", 1, np.uint64) for t in TEXT_TYPES}
        self.shingle_ends = {t: array("q") for t in TEXT_TYPES}  # group position -> end in the shingle file
        self.ordinals = {t: array("q") for t in TEXT_TYPES}  # group position -> record ordinal
        self.sources = {t: array("H") for t in TEXT_TYPES}  # group position -> source number
        self.source_names: dict[str, int] = {}

    def add(self, ordinal: int, record: TextRecord) -> None:
        if record.text_type in self.signatures:
            shingles = _shingles(record.text)
            self.signatures[record.text_type].append(self.hasher.signature(shingles))
            self.shingles[record.text_type].append_many(shingles)
            self.shingle_ends[record.text_type].append(self.shingles[record.text_type].rows)
            self.ordinals[record.text_type].append(ordinal)
            self.sources[record.text_type].append(self.source_names.setdefault(record.source, len(self.source_names)))

    def duplicates(self, records: Spool[TextRecord], stats: CurationStats, sink: DropSink) -> set[int]:
        """Ordinals of the near duplicates (the earliest text of a cluster stays); counts and logs drops."""
        dropped: set[int] = set()
        names = list(self.source_names)
        with records.reader() as read:
            for text_type in TEXT_TYPES:
                ordinals, ends = self.ordinals[text_type], self.shingle_ends[text_type]
                spool = self.shingles[text_type]

                def shingles_of(position: int, spool: ArraySpool = spool, ends: array = ends) -> np.ndarray:
                    return spool.read(ends[position - 1] if position else 0, ends[position]).reshape(-1)

                found = near_duplicates(self.signatures[text_type].array(), shingles_of, threshold=self.threshold)
                for position, first in enumerate(found):
                    if first is None:
                        stats.count("dedup_near", names[self.sources[text_type][position]], "kept")
                        continue
                    record = read(ordinals[position])
                    dropped.add(ordinals[position])
                    stats.count("dedup_near", record.source, "dropped_near_duplicate")
                    origin = read(ordinals[first]).origin
                    sink.drop("dedup_near", "near_duplicate", {"duplicate_of": origin, "record": asdict(record)})
        return dropped


def _shingles(text: str) -> np.ndarray:
    return shingle_hashes(normalise_for_dedup(text), NGRAM)
