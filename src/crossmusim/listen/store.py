"""A listening study's state in one SQLite file (`STUDY/study.sqlite`): the systems, songs (stimuli),
queries, trials and their items, which system retrieved which item, the raters with their own trial
order and slot order, and the answers. WAL journal, `synchronous=FULL`, one connection per request and
one committed transaction per answer: an answer acknowledged with 200 survives `kill -9`, and two raters
answering at once never touch each other's rows (each answer is keyed by its rater)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError

DB_NAME = "study.sqlite"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE systems (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE songs (stimulus TEXT PRIMARY KEY, song_id TEXT UNIQUE NOT NULL, title TEXT, artist TEXT,
                    tags_coarse TEXT NOT NULL, tags_fine TEXT NOT NULL, start_s REAL, gain_db REAL);
CREATE TABLE trials (id INTEGER PRIMARY KEY, query TEXT NOT NULL REFERENCES songs(stimulus),
                     kind TEXT NOT NULL CHECK (kind IN ('main', 'check')));
CREATE TABLE items (id INTEGER PRIMARY KEY, trial INTEGER NOT NULL REFERENCES trials(id),
                    stimulus TEXT NOT NULL REFERENCES songs(stimulus),
                    kind TEXT NOT NULL CHECK (kind IN ('retrieved', 'same', 'unrelated')));
CREATE TABLE retrievals (item INTEGER NOT NULL REFERENCES items(id), system INTEGER NOT NULL REFERENCES systems(id),
                         rank INTEGER NOT NULL, PRIMARY KEY (item, system));
CREATE TABLE raters (id INTEGER PRIMARY KEY, token TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
                     simulated INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);
CREATE TABLE orders (rater INTEGER NOT NULL REFERENCES raters(id), position INTEGER NOT NULL,
                     trial INTEGER NOT NULL REFERENCES trials(id), PRIMARY KEY (rater, position));
CREATE TABLE slots (rater INTEGER NOT NULL REFERENCES raters(id), trial INTEGER NOT NULL, slot INTEGER NOT NULL,
                    item INTEGER NOT NULL REFERENCES items(id), PRIMARY KEY (rater, trial, slot));
CREATE TABLE plays (rater INTEGER NOT NULL, stimulus TEXT NOT NULL, first_at TEXT NOT NULL,
                    PRIMARY KEY (rater, stimulus));
CREATE TABLE answers (rater INTEGER NOT NULL REFERENCES raters(id), item INTEGER NOT NULL REFERENCES items(id),
                      ratings TEXT NOT NULL, played INTEGER NOT NULL, answered_at TEXT NOT NULL,
                      PRIMARY KEY (rater, item));
"""


def db_path(study: Path) -> Path:
    return Path(study) / DB_NAME


def check_study(study: Path) -> Path:
    """The study folder, or a one-line error naming the command that makes one."""
    study = Path(study)
    if not db_path(study).is_file():
        raise UserError(f"{study}: not a listening study (no {DB_NAME}; make one with crossmusim listen create)")
    return study


def connect(study: Path) -> sqlite3.Connection:
    """A connection of its own (one per request or command): WAL, full sync, rows as dicts."""
    conn = sqlite3.connect(db_path(study), timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk before the reply says 200
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@contextmanager
def opened(study: Path) -> Iterator[sqlite3.Connection]:
    """`connect`, closed at the end of the block."""
    conn = connect(study)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): writers queue on SQLite's lock, never interleave."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def create_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


def meta(conn: sqlite3.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row["value"])


def set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
