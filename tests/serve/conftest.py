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


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL on loopback for the session (skipped where it is not installed)."""
    pytest.importorskip("psycopg")
    from tests.support.postgres_server import postgres_server

    try:
        server = postgres_server()
        url = server.__enter__()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield url
    server.__exit__(None, None, None)
