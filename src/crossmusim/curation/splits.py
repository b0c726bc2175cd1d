"""Train/validation/test splits with no artist in two splits, deterministic for a seed.

Artists are ordered by a seeded hash and each goes, with all its rows, to the split that is furthest
below its target share; texts without a known artist are grouped by song.
"""

from __future__ import annotations

import hashlib
from collections import Counter

SPLITS = ("train", "validation", "test")


def assign_splits(
    groups: list[str], *, seed: int, shares: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> dict[str, str]:
    """group (artist key) -> split, given one entry per row (so sizes are row counts)."""
    sizes = Counter(groups)
    order = sorted(sizes, key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
    filled = dict.fromkeys(SPLITS, 0)
    total = sum(sizes.values())
    assignment: dict[str, str] = {}
    for group in order:
        # The split with the largest deficit against its share takes the next artist.
        split = max(SPLITS, key=lambda s: (shares[SPLITS.index(s)] * total - filled[s], -SPLITS.index(s)))
        assignment[group] = split
        filled[split] += sizes[group]
    return assignment
