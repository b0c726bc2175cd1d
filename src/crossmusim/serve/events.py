"""Where the service stores what it served and what listeners did: requests (one row per reply, with its
arm) and events (impression, play, skip, complete). SQLite (WAL) is the embedded default
(`sqlite:///PATH` or a plain path); an event is acknowledged only after its transaction is committed
with a full sync, so it survives `kill -9`. `read_tables` gives both tables to `ab-report`."""

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


def sqlite_path(url: str | Path) -> Path:
    """`sqlite:///PATH` or a plain path -> the database file; anything else is not a SQLite store."""
    text = str(url)
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if "://" in text:
        raise UserError(f"--events {text}: give sqlite:///PATH or a file path (postgresql:// is not supported yet)")
    return Path(text)


class SqliteEvents:
    """The events store in one SQLite file, a connection per thread."""

    def __init__(self, url: str | Path, *, create: bool = True) -> None:
        self.path = sqlite_path(url)
        if not create and not self.path.is_file():
            raise UserError(f"--events {url}: no such events store")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.local = threading.local()
        with self._connection() as conn:
            conn.executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the 200
            self.local.conn = conn
        return conn

    def set_meta(self, values: dict[str, Any]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in values.items()])
        conn.execute("COMMIT")

    def add_request(self, row: tuple) -> None:
        conn = self._connection()
        conn.execute("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", row)  # autocommit: one transaction

    def add_events(self, rows: list[tuple]) -> None:
        """Store every row or none, committed before returning."""
        conn = self._connection()
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
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None


def read_tables(url: str | Path):
    """(meta, requests, events) of a store, as a dict and two DataFrames."""
    import pandas as pd

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
