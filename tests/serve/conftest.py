"""Indexes for the service's tests, written by the real index code from known vectors (no model): 60 songs
by 20 artists in 4 tag groups; arm `a` and arm `b` hold the same songs with other vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crossmusim.evaluation.retrieval import build_pool, save_pool

SONGS = 60


def write_index(folder: Path, seed: int, songs: int = SONGS) -> Path:
    rng = np.random.default_rng(seed)
    groups = rng.normal(size=(4, 16))
    ids = [f"song{n:03d}" for n in range(songs)]
    vectors = np.stack([groups[n % 4] + 0.5 * rng.normal(size=16) for n in range(songs)]).astype(np.float32)
    meta = {i: {"title": f"Title {n}", "artist": f"Artist {n % 20}"} for n, i in enumerate(ids)}
    return save_pool(build_pool(ids, vectors, meta), folder)


@pytest.fixture(scope="session")
def indexes(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("faiss")
    root = tmp_path_factory.mktemp("serve-indexes")
    return {"a": write_index(root / "a", 0), "b": write_index(root / "b", 1)}
