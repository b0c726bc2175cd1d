"""`kill -9` of `crossmusim serve` during a burst of events, then a restart: every event acknowledged
with 200 is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import REPO_ROOT
from tests.support.http import call


def _serve(indexes, events: str, port: int, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "crossmusim.cli.app", "serve", "--arm", f"a={indexes['a']}", "--arm",
               f"b={indexes['b']}", "--events", events, "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while call(f"http://127.0.0.1:{port}/healthz")[0] != 200 if _up(port) else True:
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("crossmusim serve did not start")
        time.sleep(0.1)
    return server


def _up(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if engine == "postgresql":
        events = request.getfixturevalue("postgres_url")
        import psycopg

        with psycopg.connect(events, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS meta, requests, events")
    else:
        events = f"sqlite:///{tmp_path / 'events.sqlite'}"
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    with (tmp_path / "serve.log").open("wb") as log:
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
