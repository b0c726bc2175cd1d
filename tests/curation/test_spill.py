"""The disk-backed pieces of build-dataset: a stable external sort, work files read back by ordinal,
signatures in a memory map; and the whole build giving the same bytes however small its sort runs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crossmusim.curation.dedup import (
    MinHasher,
    near_duplicate_of,
    near_duplicates,
    normalise_for_dedup,
    shingle_hashes,
)
from crossmusim.curation.near_dedup import NGRAM
from crossmusim.curation.spill import ArraySpool, Spool, external_sort
from tests.curation.test_build_dataset import build, tree_digest


def test_external_sort_is_sorted_and_stable_in_any_run_size(tmp_path):
    rng = random.Random(0)
    items = [{"key": rng.randrange(20), "order": i} for i in range(500)]  # many equal keys
    expected = sorted(items, key=lambda item: item["key"])  # stable: equal keys keep input order
    for chunk in (1, 7, 64, 10_000):
        got = list(external_sort(items, lambda item: item["key"], chunk=chunk, workdir=tmp_path, decode=dict))
        assert got == expected, chunk
    assert not list(tmp_path.glob("sort-run-*"))  # runs are deleted once merged


def test_a_spool_reads_back_in_order_and_by_ordinal(tmp_path):
    spool = Spool(tmp_path / "rows.jsonl")
    rows = [{"i": i, "text": "歌" * (i % 5)} for i in range(50)]
    assert [spool.append(row) for row in rows] == list(range(50))
    assert list(spool) == rows and list(spool) == rows  # re-iterable
    with spool.reader() as read:
        assert [read(i) for i in (49, 0, 17, 17)] == [rows[49], rows[0], rows[17], rows[17]]
    assert len(spool) == 50


def test_near_duplicates_on_memory_mapped_signatures_match_the_in_memory_ones(tmp_path):
    rng = random.Random(1)
    words = "river moon street night summer window letter train shadow garden city ocean".split()
    texts = [" ".join(rng.choices(words, k=25)) for _ in range(300)]
    for _ in range(60):  # near copies: a few words changed
        original = texts[rng.randrange(len(texts))].split()
        original[rng.randrange(len(original))] = "echo"
        texts.append(" ".join(original))
    hasher = MinHasher(128, 1)
    spool = ArraySpool(tmp_path / "sig.u32", 128, np.uint32)
    shingles = [shingle_hashes(normalise_for_dedup(t), NGRAM) for t in texts]
    for sh in shingles:
        spool.append(hasher.signature(sh))
    on_disk = near_duplicates(spool.array(), shingles.__getitem__, threshold=0.8)
    assert on_disk == near_duplicate_of(texts)
    assert sum(d is not None for d in on_disk) >= 30


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_the_build_is_the_same_bytes_with_tiny_sort_runs(curation_inputs):
    root = curation_inputs["root"]
    assert build(curation_inputs, root / "default").returncode == 0
    assert build(curation_inputs, root / "tiny", "--chunk-records", "2").returncode == 0
    default, tiny = tree_digest(root / "default"), tree_digest(root / "tiny")
    # The card and the stats name the command line; everything else is the same bytes.
    differing = {name for name in default if default[name] != tiny.get(name)}
    assert differing == {"README.md", "stats.json"} and default.keys() == tiny.keys()
