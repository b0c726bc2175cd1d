"""Train/validation/test splits with no artist in two splits, deterministic for a seed.

Artists are ordered by a seeded hash and each goes, with all its rows, to the split that is furthest
below its target share; texts without a known artist are grouped by song. While a split with a
share is still empty and enough artists exist to give every such split one, the next artist goes to
an empty split first: on small data (six artists, a few songs each) no split is left empty.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping

SPLITS = ("train", "validation", "test")


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
