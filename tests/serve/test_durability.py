"""`kill -9` of `crossmusim serve` during a burst of events, then a restart: every event acknowledged
with 200 is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from tests.support.http import call, free_port, start_command


def _serve(indexes, events: str, port: int, log) -> subprocess.Popen:
    args = [
        "serve",
        "--arm",
        f"a={indexes['a']}",
        "--arm",
        f"b={indexes['b']}",
        "--events",
        events,
        "--port",
        str(port),
    ]
    return start_command(args, port, log)


def _stored(events: str) -> set[str]:
    query = "SELECT ts FROM events WHERE event = 'play'"
    if events.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(events) as conn:
            return {row[0] for row in conn.execute(query)}
    with sqlite3.connect(events.removeprefix("sqlite:///")) as conn:
        return {row[0] for row in conn.execute(query)}


@pytest.mark.slow  # two service processes, one killed mid-burst (10-20 s)
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_every_acknowledged_event_survives_kill_9(indexes, tmp_path, engine, request):
    port = free_port()
    if engine == "postgresql":
        events = request.getfixturevalue("postgres_url")
        import psycopg

        with psycopg.connect(events, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS meta, requests, events")
    else:
        events = f"sqlite:///{tmp_path / 'events.sqlite'}"
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    log = tmp_path / "serve.log"
    server = _serve(indexes, events, port, log)

    def burst(worker: int) -> None:
        for n in range(400):
            ts = f"{worker}-{n}"
            try:
                status, _ = call(f"{base}/v1/events", {"user": f"u{worker}", "song": "song000", "event": "play",
                                                       "ts": ts})  # fmt: skip
            except OSError:
                return  # the server is gone
            if status == 200:
                acknowledged.append(ts)

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 50:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    for thread in threads:
        thread.join()
    server = _serve(indexes, events, port, log)
    assert call(f"{base}/v1/events", {"user": "after", "song": "song001", "event": "skip"})[0] == 200
    server.send_signal(signal.SIGKILL)
    server.wait()
    stored = _stored(events)
    assert 50 <= len(acknowledged) < 1200 and set(acknowledged) <= stored
