"""Where the service stores what it served and what listeners did: requests (one row per reply, with its
arm) and events (impression, play, skip, complete). SQLite (WAL) is the embedded default
(`sqlite:///PATH` or a plain path); `postgresql://...` writes to PostgreSQL, for several replicas of
the service on several machines (`events_pg`). An event is acknowledged only after its transaction is
committed (SQLite: with a full sync), so it survives `kill -9`. `read_tables` gives both tables to
`ab-report`."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError

EVENTS = ("impression", "play", "skip", "complete")
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, user TEXT, arm TEXT NOT NULL, endpoint TEXT NOT NULL,
                                     k INTEGER NOT NULL, anonymous INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, user TEXT NOT NULL, arm TEXT NOT NULL, request TEXT,
                                   song TEXT NOT NULL, event TEXT NOT NULL, device TEXT, ts TEXT,
                                   received TEXT NOT NULL);
"""


def is_postgres(url: str | Path) -> bool:
    return str(url).startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str | Path) -> Path:
    """`sqlite:///PATH` or a plain path -> the database file; anything else but PostgreSQL is refused."""
    text = str(url)
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if "://" in text:
        raise UserError(f"--events {text}: give sqlite:///PATH, a file path or postgresql://USER@HOST:PORT/DB")
    return Path(text)


def check_url(url: str | Path) -> None:
    if not is_postgres(url):
        sqlite_path(url)


def events_store(url: str | Path, *, create: bool = True):
    """The store `url` names: PostgreSQL for `postgresql://`, else SQLite."""
    if is_postgres(url):
        from crossmusim.serve.events_pg import PostgresEvents

        return PostgresEvents(str(url))
    return SqliteEvents(url, create=create)


class SqliteEvents:
    """The events store in one SQLite file, a connection per thread."""

    def __init__(self, url: str | Path, *, create: bool = True) -> None:
        self.path = sqlite_path(url)
        if not create and not self.path.is_file():
            raise UserError(f"--events {url}: no such events store")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.local = threading.local()
        self.opened: list[sqlite3.Connection] = []  # every thread's connection, closed together at shutdown
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self.local.conn = conn
            self.opened.append(conn)
        return conn

    def set_meta(self, values: dict[str, Any]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in values.items()])
        conn.execute("COMMIT")

    def add_request(self, row: tuple) -> None:
        conn = self._connection()
        # WAL without a sync per reply: a served reply's row survives a killed process (the OS holds the write),
        # not a power cut; events below are synced
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", row)  # autocommit: one transaction

    def add_events(self, rows: list[tuple]) -> None:
        """Store every row or none, committed and synced to disk before returning."""
        conn = self._connection()
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO events (user, arm, request, song, event, device, ts, received) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def request_arm(self, request: str) -> str | None:
        row = self._connection().execute("SELECT arm FROM requests WHERE id = ?", (request,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        for conn in self.opened:
            conn.close()
        self.opened.clear()


def read_tables(url: str | Path):
    """(meta, requests, events) of a store, as a dict and two DataFrames."""
    import pandas as pd

    if is_postgres(url):
        from crossmusim.serve.events_pg import read_pg_tables

        return read_pg_tables(str(url))
    path = sqlite_path(url)
    if not path.is_file():
        raise UserError(f"--events {url}: no such events store")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise UserError(f"--events {url}: not an events store (not a SQLite database)") from None
    if not {"meta", "requests", "events"} <= tables:
        conn.close()
        raise UserError(f"--events {url}: not an events store of crossmusim serve (no requests and events tables)")
    meta = {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}
    requests = pd.read_sql_query("SELECT * FROM requests", conn)
    events = pd.read_sql_query("SELECT * FROM events", conn)
    conn.close()
    return meta, requests, events
