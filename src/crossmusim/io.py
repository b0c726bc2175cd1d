"""JSONL and atomic file IO: UTF-8 without ASCII escapes, append-only outputs, atomic finalisation.

Append-only outputs survive a killed process: each record is one flushed line, and a torn last line
(the process died mid-write) is cut off before appending resumes, so no record is half-kept.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from crossmusim.errors import InputFormatError


def to_jsonable(obj: Any) -> Any:
    """A record as JSON-ready data; shallow except for nested records (asdict deep-copies everything)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return obj


def dumps_line(obj: Any) -> str:
    """One JSONL line (with its newline); Chinese stays readable."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, separators=(",", ":")) + "\n"


def read_jsonl(path: str | Path, *, skip_torn_tail: bool = True) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSONL file.

    A malformed line raises `InputFormatError` naming file and line. A malformed *last* line without
    a newline is what a killed writer leaves behind; it is skipped when `skip_torn_tail`.
    """
    path = Path(path)
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            torn = not raw.endswith(b"\n")
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                if torn and skip_torn_tail:
                    return
                raise InputFormatError(
                    path, lineno, f"not valid UTF-8 JSON ({exc})", "fix or delete that line"
                ) from None
            if not isinstance(obj, dict):
                raise InputFormatError(path, lineno, "expected a JSON object per line")
            yield obj


def cut_torn_tail(path: str | Path) -> int:
    """Truncate a file after its last newline; return the number of bytes removed."""
    path = Path(path)
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb+") as handle:
        # Scan backwards in blocks for the last newline.
        pos, block = size, 65536
        while pos > 0:
            start = max(0, pos - block)
            handle.seek(start)
            chunk = handle.read(pos - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                break
            pos = start
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
        return size - keep


class JsonlAppender:
    """Append records to a JSONL file, one flushed line each; safe to reopen after a crash."""

    def __init__(self, path: str | Path, *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repaired_bytes = cut_torn_tail(self.path)
        self._fsync = fsync
        self._handle: IO[str] | None = self.path.open("a", encoding="utf-8")
        self.written = 0

    def write(self, record: Any) -> None:
        if self._handle is None:
            raise ValueError(f"{self.path} is closed")
        self._handle.write(dumps_line(record))
        self._handle.flush()
        if self._fsync:
            os.fsync(self._handle.fileno())
        self.written += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a whole file so that readers see the old or the new content, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make outputs private
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2) + "\n")
