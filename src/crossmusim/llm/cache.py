"""A request cache in SQLite, keyed by (provider, model, prompt version, parameters, messages).

A rerun after a crash or Ctrl-C finds every answered request here and makes no repeated paid call.
Each `put` commits at once (WAL journal), so a killed process loses at most the reply in flight.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from crossmusim.llm.base import Completion, Message, RequestParams

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    completion TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


def request_key(provider: str, model: str, prompt_id: str, params: RequestParams, messages: list[Message]) -> str:
    payload: dict[str, Any] = {
        "provider": provider,
        "model": model,
        "prompt": prompt_id,
        "params": params.key(),
        "messages": [[m.role, m.content] for m in messages],
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RequestCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Completion | None:
        row = self._db.execute("SELECT completion FROM replies WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return Completion.from_dict(json.loads(row[0]))

    def put(self, key: str, provider: str, model: str, prompt_id: str, completion: Completion) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO replies (key, provider, model, prompt_id, completion) VALUES (?, ?, ?, ?, ?)",
            (key, provider, model, prompt_id, json.dumps(completion.to_dict(), ensure_ascii=False)),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        self._db.close()
