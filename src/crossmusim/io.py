"""JSONL and atomic file IO: UTF-8 without ASCII escapes, append-only outputs, atomic finalisation.

Append-only outputs survive a killed process: each record is one flushed line, and a torn last line
(the process died mid-write) is cut off before appending resumes, so no record is half-kept.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import functools
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from crossmusim.errors import InputFormatError

logger = logging.getLogger("crossmusim.io")


def utc_now() -> str:
    """The time now, UTC, ISO 8601 to the millisecond: what the web apps store with each answer and event."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds")


def to_jsonable(obj: Any) -> Any:
    """A record as JSON-ready data; shallow except for nested records (asdict deep-copies everything)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return obj


def dumps_line(obj: Any) -> str:
    """One JSONL line (with its newline); Chinese stays readable."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, separators=(",", ":")) + "\n"


# Encodings a user's file may come in: UTF-8 (with or without BOM) first; Excel on Chinese Windows
# saves CSV as GB18030 (GBK) on the mainland and Big5 in Taiwan and Hong Kong.
_FALLBACK_ENCODINGS = ("gb18030", "big5")
_CHUNK = 1 << 20


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _common_share(text: str) -> float:
    """Share of the Chinese characters that are common ones (GB2312 level 1 or Big5 frequent): text
    decoded in the wrong one of GB18030 and Big5 turns into rare characters (流行 -> 霜俴)."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return 0.0

    def common(ch: str) -> bool:
        for encoding, low, high in (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6)):
            try:
                raw = ch.encode(encoding)
            except UnicodeEncodeError:
                continue
            if len(raw) == 2 and low <= raw[0] <= high:
                return True
        return False

    return sum(map(common, han)) / len(han)


@functools.lru_cache(maxsize=256)
def _detect(path: Path, size: int, mtime: float) -> str:
    if _decodes(path, "utf-8"):
        return "utf-8-sig"  # reading as utf-8-sig drops a BOM when there is one
    with path.open("rb") as handle:
        sample = handle.read(_CHUNK)
    scores = {}
    for encoding in _FALLBACK_ENCODINGS:
        text = sample.decode(encoding, errors="ignore")
        if _decodes(path, encoding):
            scores[encoding] = _common_share(text)
    if not scores:
        raise InputFormatError(path, None, "is not UTF-8, GB18030 or Big5 text", "save it as UTF-8")
    return max(scores, key=lambda e: (scores[e], e == "gb18030"))  # a tie goes to GB18030 (GBK)


def detect_encoding(path: str | Path) -> str:
    """The encoding a text file is in: UTF-8 (BOM or not), else GB18030 or Big5 (checked on the whole
    file); anything else is an `InputFormatError`. Said once per file in the log when not UTF-8."""
    path = Path(path)
    info = path.stat()
    encoding = _detect(path, info.st_size, info.st_mtime)
    if encoding != "utf-8-sig" and path not in _ANNOUNCED:
        _ANNOUNCED.add(path)
        logger.info("%s is not UTF-8: read as %s", path, encoding.upper())
    return encoding


_ANNOUNCED: set[Path] = set()


def open_text(path: str | Path) -> IO[str]:
    """Open a user's text file (CSV, TSV, lists) for reading in its detected encoding."""
    return Path(path).open(encoding=detect_encoding(path), newline="")


def read_text(path: str | Path) -> str:
    with open_text(path) as handle:
        return handle.read()


def iter_jsonl(
    path: str | Path, *, skip_torn_tail: bool = True
) -> Iterator[tuple[int, dict[str, Any] | InputFormatError]]:
    """(line number, object) for each line of a JSONL file, or (line number, the error) for a malformed
    line, so a reader can skip and count it. A malformed *last* line without a newline is what a
    killed writer leaves behind; it is skipped when `skip_torn_tail`."""
    path = Path(path)
    fallback: str | None = None  # a whole file in GB18030 or Big5 (hand-made), found on its first line
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            torn = not raw.endswith(b"\n")
            try:
                try:
                    text = raw.decode(fallback or "utf-8")
                except UnicodeDecodeError:
                    if torn:  # a killed writer cut a character in half
                        raise
                    fallback = detect_encoding(path)
                    text = raw.decode(fallback)
                obj = json.loads(text.lstrip("\ufeff"))
            except (UnicodeDecodeError, json.JSONDecodeError, InputFormatError) as exc:
                if torn and skip_torn_tail:
                    return
                yield lineno, InputFormatError(path, lineno, f"not valid JSON ({exc})", "fix or delete that line")
                continue
            if not isinstance(obj, dict):
                yield lineno, InputFormatError(path, lineno, "expected a JSON object per line")
                continue
            yield lineno, obj


def read_jsonl(path: str | Path, *, skip_torn_tail: bool = True) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSONL file; a malformed line raises `InputFormatError` naming file and line."""
    for _, item in iter_jsonl(path, skip_torn_tail=skip_torn_tail):
        if isinstance(item, InputFormatError):
            raise item
        yield item


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


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` for a writer that takes a file name (NumPy, Parquet, torch):
    renamed onto `path` when the block ends, removed if it fails, so `path` is never half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2) + "\n")


def iter_table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | InputFormatError]]:
    """(line or row number, row) of a CSV/TSV, JSONL or Parquet file, chosen by its suffix; a malformed
    JSONL line comes as its error (`iter_jsonl`)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        yield from enumerate(pq.read_table(path).to_pylist(), start=1)
    elif suffix in (".jsonl", ".json", ".ndjson"):
        yield from iter_jsonl(path)
    else:
        with open_text(path) as handle:
            yield from enumerate(csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ","), start=2)
