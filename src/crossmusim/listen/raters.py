"""Raters of a study: `invite` gives each an unguessable token, its own shuffled trial order and, in
each trial, its own shuffled order of the items (the slots), stored so that a rater resumes exactly
where they stopped. The links go to stdout and are appended to `STUDY/invites.csv`. `progress` and
`next_trial` are what the web app serves; `answer` records one rating, replacing an earlier one."""

from __future__ import annotations

import csv
import json
import random
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from crossmusim.io import utc_now
from crossmusim.listen import store

INVITES = "invites.csv"


def invite(study: Path, count: int, base_url: str, *, simulated: bool = False) -> list[dict[str, str]]:
    """`count` new raters, each with its orders; returns their name, token and link."""
    study = store.check_study(study)
    if count < 1:
        from crossmusim.errors import UserError

        raise UserError(f"--raters {count}: invite at least one rater")
    conn = store.connect(study)
    made = []
    with store.transaction(conn):
        trials = [row["id"] for row in conn.execute("SELECT id FROM trials ORDER BY id")]
        start = conn.execute("SELECT COUNT(*) FROM raters").fetchone()[0]
        for n in range(start + 1, start + count + 1):
            token = secrets.token_urlsafe(12)
            name = f"{'simulated-' if simulated else 'rater-'}{n:02d}"
            rater = conn.execute("INSERT INTO raters (token, name, simulated, created) VALUES (?, ?, ?, ?)",
                                 (token, name, int(simulated), utc_now())).lastrowid  # fmt: skip
            rng = random.Random(token)  # the token is secret and random: so is the order
            order = trials[:]
            rng.shuffle(order)
            for position, trial in enumerate(order):
                conn.execute("INSERT INTO orders VALUES (?, ?, ?)", (rater, position, trial))
                items = [row["id"] for row in conn.execute("SELECT id FROM items WHERE trial = ? ORDER BY id",
                                                           (trial,))]  # fmt: skip
                rng.shuffle(items)
                for slot, item in enumerate(items):
                    conn.execute("INSERT INTO slots VALUES (?, ?, ?, ?)", (rater, trial, slot, item))
            made.append({"name": name, "token": token, "link": f"{base_url.rstrip('/')}/r/{token}"})
    conn.close()
    path = study / INVITES
    new_file = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["name", "token", "link"])
        if new_file:
            writer.writeheader()
        writer.writerows(made)
    return made


def rater_of(conn: sqlite3.Connection, token: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM raters WHERE token = ?", (token,)).fetchone()


def progress(conn: sqlite3.Connection, rater: int) -> tuple[int, int]:
    """(trials with every slot answered, trials given to the rater)."""
    total = conn.execute("SELECT COUNT(*) FROM orders WHERE rater = ?", (rater,)).fetchone()[0]
    open_trials = conn.execute(
        "SELECT COUNT(DISTINCT s.trial) FROM slots s LEFT JOIN answers a ON a.rater = s.rater AND a.item = s.item "
        "WHERE s.rater = ? AND a.item IS NULL", (rater,)).fetchone()[0]  # fmt: skip
    return total - open_trials, total


def next_trial(conn: sqlite3.Connection, rater: int) -> dict[str, Any] | None:
    """The rater's first trial (in their order) with an unanswered slot: its query and slots, and which
    slots are answered already (a rater resuming mid-trial sees their ratings)."""
    row = conn.execute(
        "SELECT o.trial FROM orders o WHERE o.rater = ? AND EXISTS (SELECT 1 FROM slots s LEFT JOIN answers a "
        "ON a.rater = s.rater AND a.item = s.item WHERE s.rater = o.rater AND s.trial = o.trial AND a.item IS NULL) "
        "ORDER BY o.position LIMIT 1", (rater,)).fetchone()  # fmt: skip
    if row is None:
        return None
    trial = row["trial"]
    query = conn.execute("SELECT query FROM trials WHERE id = ?", (trial,)).fetchone()["query"]
    slots = conn.execute(
        "SELECT s.slot, i.stimulus, a.ratings FROM slots s JOIN items i ON i.id = s.item LEFT JOIN answers a "
        "ON a.rater = s.rater AND a.item = s.item WHERE s.rater = ? AND s.trial = ? ORDER BY s.slot",
        (rater, trial)).fetchall()  # fmt: skip
    return {"trial": trial, "query": query,
            "items": [{"slot": s["slot"], "stimulus": s["stimulus"],
                       "ratings": json.loads(s["ratings"]) if s["ratings"] else None} for s in slots]}  # fmt: skip


def record_play(conn: sqlite3.Connection, rater: int, stimulus: str) -> None:
    conn.execute("INSERT OR IGNORE INTO plays VALUES (?, ?, ?)", (rater, stimulus, utc_now()))


def answer(conn: sqlite3.Connection, rater: int, trial: int, slot: int, ratings: dict[str, int]) -> bool:
    """Record (or replace) the rating of the rater's `slot` of `trial` in one committed transaction;
    False when no such slot was given to this rater."""
    with store.transaction(conn):
        found = conn.execute(
            "SELECT s.item, i.stimulus FROM slots s JOIN items i ON i.id = s.item "
            "WHERE s.rater = ? AND s.trial = ? AND s.slot = ?", (rater, trial, slot)).fetchone()  # fmt: skip
        if found is None:
            return False
        played = conn.execute("SELECT 1 FROM plays WHERE rater = ? AND stimulus = ?",
                              (rater, found["stimulus"])).fetchone() is not None  # fmt: skip
        conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                     (rater, found["item"], json.dumps(ratings, sort_keys=True), int(played), utc_now()))  # fmt: skip
    return True
