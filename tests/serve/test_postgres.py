"""The events store in a real PostgreSQL on loopback (`--events postgresql://...`): the service writes
there, ab-report reads it back, and two replicas of the service share it."""

from __future__ import annotations

import psycopg
import pytest

from crossmusim.serve.ab_report import summarise
from crossmusim.serve.app import ServeConfig
from crossmusim.serve.server import running
from tests.support.http import call


def _config(indexes, url: str) -> ServeConfig:
    return ServeConfig([("a", str(indexes["a"])), ("b", str(indexes["b"]))], [0.5, 0.5], "salt", url)


def test_two_replicas_write_to_one_postgresql_and_ab_report_reads_it(indexes, postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS meta, requests, events")
    with running(_config(indexes, postgres_url)) as one, running(_config(indexes, postgres_url)) as two:
        for n, base in enumerate([one, two] * 20):
            user = f"user{n}"
            shown = call(f"{base}/v1/playlist", {"user": user, "seeds": ["song000", "song001"], "k": 4})[1]
            events = [{"user": user, "request": shown["request"], "song": item["id"], "event": "play", "device": "d1"}
                      for item in shown["items"][: 1 + n % 3]]  # fmt: skip
            assert call(f"{base}/v1/events", events)[0] == 200
    summary = summarise(postgres_url)
    arms = summary["arms"]
    assert sum(a["users"] for a in arms.values()) == 40 and sum(a["requests"] for a in arms.values()) == 40
    assert sum(a["plays"] for a in arms.values()) == sum(1 + n % 3 for n in range(40))
    assert set(summary["lift"]["plays_per_user"]) == {"b"}


def test_a_foreign_postgresql_database_is_refused_in_one_line(postgres_url):
    from crossmusim.errors import UserError
    from crossmusim.serve.events import read_tables

    base, _, _ = postgres_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS other")
        conn.execute("CREATE DATABASE other")
    with pytest.raises(UserError, match=r"not an events store of crossmusim serve"):
        read_tables(f"{base}/other")
