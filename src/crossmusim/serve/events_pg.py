"""The events store in PostgreSQL (`--events postgresql://USER@HOST:PORT/DB`): several replicas of the
service, on several machines, write to one database a platform already runs. Same tables as the SQLite
store; a batch of events is one transaction, committed (synchronous_commit on: PostgreSQL's default)
before the reply says 200. Needs `pip install "crossmusim[serve]"` (psycopg)."""

from __future__ import annotations

import json
import threading
from typing import Any

from crossmusim.errors import UserError
from crossmusim.extras import require

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    'CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, "user" TEXT, arm TEXT NOT NULL, '
    "endpoint TEXT NOT NULL, k INTEGER NOT NULL, anonymous INTEGER NOT NULL, at TEXT NOT NULL)",
    'CREATE TABLE IF NOT EXISTS events (id BIGSERIAL PRIMARY KEY, "user" TEXT NOT NULL, arm TEXT NOT NULL, '
    "request TEXT, song TEXT NOT NULL, event TEXT NOT NULL, device TEXT, ts TEXT, received TEXT NOT NULL)",
)


def _connect(url: str):
    psycopg = require("psycopg", "serve")
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"--events {_safe(url)}: cannot connect to PostgreSQL ({first})") from None


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, credentials = head.partition("//")
    return f"{scheme}//{credentials.split(':', 1)[0]}:***@{tail}"


class PostgresEvents:
    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()
        self.opened: list = []  # every thread's connection, closed together at shutdown
        conn = self._connection()
        with conn.transaction():
            for statement in SCHEMA:
                conn.execute(statement)

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None or conn.closed:
            conn = _connect(self.url)
            conn.autocommit = True  # each `transaction()` block below is one committed transaction
            self.local.conn = conn
            self.opened.append(conn)
        return conn

    def set_meta(self, values: dict[str, Any]) -> None:
        conn = self._connection()
        with conn.transaction():
            for key, value in values.items():
                conn.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                             (key, json.dumps(value)))  # fmt: skip

    def add_request(self, row: tuple) -> None:
        self._connection().execute('INSERT INTO requests (id, "user", arm, endpoint, k, anonymous, at) '
                                   "VALUES (%s, %s, %s, %s, %s, %s, %s)", row)  # fmt: skip

    def add_events(self, rows: list[tuple]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany('INSERT INTO events ("user", arm, request, song, event, device, ts, received) '
                               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)  # fmt: skip

    def close(self) -> None:
        for conn in self.opened:
            conn.close()
        self.opened.clear()


def read_pg_tables(url: str):
    import pandas as pd

    with _connect(url) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        if not {"meta", "requests", "events"} <= tables:
            raise UserError(f"--events {_safe(url)}: not an events store of crossmusim serve (no requests and "
                            "events tables)")  # fmt: skip
        meta = {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}
        frames = []
        for table in ("requests", "events"):
            cursor = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 (a fixed table name)
            frames.append(pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description]))
    return meta, frames[0], frames[1]
