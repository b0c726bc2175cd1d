"""The crawler tests' shared fixtures: a real redis-server for the shared-crawl tests."""

from __future__ import annotations

import pytest

from tests.support.redis_server import redis_server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A redis-server on loopback for the session (each test uses its own key prefix or flushes)."""
    try:
        with redis_server(tmp_path_factory.mktemp("redis")) as url:
            yield url
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
