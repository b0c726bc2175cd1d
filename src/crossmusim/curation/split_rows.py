"""A build's split block: the paired rows' artist groups assigned to train/validation/test (seeded,
artist-disjoint, or as an earlier build had them), each split's rows spooled for writing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from crossmusim.curation.pairing import GROUP, Paired
from crossmusim.curation.spill import Spool, WorkDir
from crossmusim.curation.splits import SPLITS, assign_splits, reference_splits

logger = logging.getLogger("crossmusim.build")
MIN_ARTISTS_PER_SPLIT = 5  # below this a split's retrieval metrics are noise


def split_rows(
    paired: Paired, seed: int, shares: tuple[float, float, float], splits_from: Path | None, work: WorkDir
) -> tuple[dict[str, Spool[dict[str, Any]]], Any, dict[str, int], int]:
    """The rows of each split, their counts (`hf_dataset.RowCounts`), each split's artists, and how many
    groups `splits_from` placed in more than one split (`follow_reference`)."""
    from crossmusim.curation.hf_dataset import RowCounts

    groups = paired.groups
    assignment = assign_splits(groups.sizes(), seed=seed, shares=shares)
    conflicts = follow_reference(assignment, groups, reference_splits(splits_from)) if splits_from else 0
    splits: dict[str, Spool[dict[str, Any]]] = {name: work.spool(f"rows-{name}.jsonl") for name in SPLITS}
    counts = RowCounts(SPLITS)
    for row in paired.rows:
        split = assignment[groups.find(row.pop(GROUP))]
        splits[split].append(row)
        counts.add(split, row)
    artists = {name: sum(1 for s in assignment.values() if s == name) for name in splits}
    for name, count in artists.items():
        share = shares[list(splits).index(name)]
        if share > 0 and count < MIN_ARTISTS_PER_SPLIT:
            logger.warning(
                "the %s split holds %d artist%s (fewer than %d): its metrics will be noisy",
                name, count, "" if count == 1 else "s", MIN_ARTISTS_PER_SPLIT,
            )  # fmt: skip
    return splits, counts, artists, conflicts


def follow_reference(assignment: dict[str, str], groups, reference: dict[str, set[str]]) -> int:
    """Put each group in the split an earlier build gave its artists (in place). A group whose keys that
    build placed in more than one split (two of its artists now joined, by a "feat." row or a shared
    file, that it kept apart) goes to test: never to train or validation, where it would bring a test
    artist's songs. Returns how many groups conflicted."""
    found: dict[str, set[str]] = {}
    for key, where in reference.items():
        if key in groups.parent:
            found.setdefault(groups.find(key), set()).update(where)
    conflicts = 0
    for group, where in found.items():
        conflicts += len(where) > 1
        assignment[group] = "test" if len(where) > 1 else next(iter(where))
    if conflicts:
        logger.warning("%d artist group%s that --splits-from placed in more than one split went to test",
                       conflicts, "" if conflicts == 1 else "s")  # fmt: skip
    return conflicts
