"""Disk-backed pieces that keep build-dataset's memory flat however many records it curates.

- `Spool`: records appended to a JSONL work file (buffered, not flushed line by line), read back in
  order as often as needed, or one at a time by ordinal (their byte offsets are kept, 8 bytes each).
- `external_sort`: a stable sort of any number of records in sorted runs of `chunk` records on disk,
  merged lazily (what `sorted()` gives, in the memory of one run).
- `ArraySpool`: fixed-width rows (MinHash signatures) appended to a raw file and read back as a
  read-only memory map.
- `WorkDir`: the folder of a build's work files, closing whatever is still open when the build ends
  or fails.
"""

from __future__ import annotations

import heapq
import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from crossmusim.io import dumps_line

T = TypeVar("T")


class Spool(Generic[T]):
    """An append-only JSONL work file of records; `decode` turns a line's data back into a record."""

    def __init__(self, path: Path, decode: Callable[[Any], T] = lambda data: data) -> None:
        self.path = path
        self.decode = decode
        self._offsets = array("q")
        self._handle = path.open("wb")
        self._size = 0

    def __len__(self) -> int:
        return len(self._offsets)

    def append(self, record: Any) -> int:
        """Write one record; returns its ordinal."""
        assert self._handle is not None, f"{self.path} is closed for writing"
        line = dumps_line(record).encode("utf-8")
        self._offsets.append(self._size)
        self._handle.write(line)
        self._size += len(line)
        return len(self._offsets) - 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __iter__(self) -> Iterator[T]:
        self.close()
        with self.path.open("rb") as handle:
            for line in handle:
                yield self.decode(json.loads(line))

    def reader(self) -> SpoolReader[T]:
        """Random access by ordinal: `with spool.reader() as read: read(12)`."""
        self.close()
        return SpoolReader(self)


class SpoolReader(Generic[T]):
    def __init__(self, spool: Spool[T]) -> None:
        self.spool = spool
        self._handle = spool.path.open("rb")

    def __call__(self, ordinal: int) -> T:
        self._handle.seek(self.spool._offsets[ordinal])
        return self.spool.decode(json.loads(self._handle.readline()))

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> SpoolReader[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def external_sort(
    items: Iterable[T], key: Callable[[T], Any], *, chunk: int, workdir: Path, decode: Callable[[Any], T]
) -> Iterator[T]:
    """`sorted(items, key=key)`, holding at most `chunk` items in memory (plus one per run)."""
    runs: list[Spool[T]] = []
    buffer: list[T] = []
    for item in items:
        buffer.append(item)
        if len(buffer) >= chunk:
            runs.append(_write_run(sorted(buffer, key=key), workdir, len(runs), decode))
            buffer = []
    if not runs:  # it fits in one run: no disk
        yield from sorted(buffer, key=key)
        return
    if buffer:
        runs.append(_write_run(sorted(buffer, key=key), workdir, len(runs), decode))
    # heapq.merge breaks ties by run order, and runs follow the input: the merge is a stable sort.
    yield from heapq.merge(*runs, key=key)
    for run in runs:
        run.path.unlink(missing_ok=True)


def _write_run(items: list[T], workdir: Path, number: int, decode: Callable[[Any], T]) -> Spool[T]:
    run: Spool[T] = Spool(workdir / f"sort-run-{number:05d}.jsonl", decode)
    for item in items:
        run.append(item)
    run.close()
    return run


class ArraySpool:
    """Rows of `width` values of `dtype`, appended to a raw file, read back as a memory map."""

    def __init__(self, path: Path, width: int, dtype: Any) -> None:
        self.path = path
        self.width = width
        self.dtype = np.dtype(dtype)
        self.rows = 0
        self._handle: Any = path.open("wb")
        self._reader: int | None = None

    def append(self, row: np.ndarray) -> None:
        assert self._handle is not None, f"{self.path} is closed for writing"
        self._handle.write(np.ascontiguousarray(row, dtype=self.dtype).tobytes())
        self.rows += 1

    def append_many(self, values: np.ndarray) -> None:
        """Append `values` as consecutive rows (a flat run of a one-value-wide spool)."""
        assert self._handle is not None, f"{self.path} is closed for writing"
        data = np.ascontiguousarray(values, dtype=self.dtype)
        self._handle.write(data.tobytes())
        self.rows += data.size // self.width

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop, read from the file (the page cache, not this process's memory, keeps them)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._reader is None:
            self._reader = os.open(self.path, os.O_RDONLY)
        size = self.dtype.itemsize * self.width
        data = os.pread(self._reader, (stop - start) * size, start * size)
        return np.frombuffer(data, dtype=self.dtype).reshape(-1, self.width)

    def array(self) -> np.ndarray:
        self.close()
        if self.rows == 0:
            return np.zeros((0, self.width), dtype=self.dtype)
        return np.memmap(self.path, dtype=self.dtype, mode="r", shape=(self.rows, self.width))


class WorkDir:
    """A folder of work files; `with WorkDir(path) as work:` closes every spool it made on the way out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._files: list[Spool[Any] | ArraySpool] = []
        self._on_close: list[Callable[[], None]] = []

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the work ends (a Ray session to shut down...)."""
        self._on_close.append(callback)

    def spool(self, name: str, decode: Callable[[Any], T] = lambda data: data) -> Spool[T]:
        spool: Spool[T] = Spool(self.path / name, decode)
        self._files.append(spool)
        return spool

    def array(self, name: str, width: int, dtype: Any) -> ArraySpool:
        spool = ArraySpool(self.path / name, width, dtype)
        self._files.append(spool)
        return spool

    def close(self) -> None:
        for spool in self._files:
            spool.close()
        for callback in self._on_close:
            callback()
        self._on_close.clear()

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
