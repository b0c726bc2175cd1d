"""An append-only store of arrays by key: one raw file of rows plus an index.

`FOLDER/rows.bin` holds rows of a fixed width and dtype back to back; `FOLDER/index.jsonl` has one
line per key (key, first row, row count), appended only after the rows are flushed to disk. A run
killed mid-write leaves at worst unindexed rows at the end (overwritten next time) or a torn last
index line (ignored), never a wrong array. Used for decoded audio and for frozen-tower features.
Reads copy the rows asked for out of the file (`pread`), not through a memory map: a map leaves every
page it touched resident in the process, so a pass over a large cache (a training split's decoded
audio, for a baseline's statistics) would look to the kernel like holding all of it at once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


class ArrayStore:
    def __init__(self, folder: Path, dtype: str, width: int):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dtype, self.width = np.dtype(dtype), width
        self.rows_path, self.index_path = self.folder / "rows.bin", self.folder / "index.jsonl"
        meta = self.folder / "meta.json"
        if not meta.exists():
            meta.write_text(json.dumps({"dtype": self.dtype.str, "width": width}), encoding="utf-8")
        self.entries: dict[str, tuple[int, int]] = {}
        self._end = 0
        self._index_read = 0  # bytes of the index read so far
        if self.index_path.exists():
            raw = self.index_path.read_bytes()
            if raw and not raw.endswith(b"\n"):  # cut a torn last line, so the next entry starts clean
                raw = raw[: raw.rfind(b"\n") + 1]
                with open(self.index_path, "r+b") as handle:
                    handle.truncate(len(raw))
            self._read_index(raw)

    def _read_index(self, raw: bytes) -> None:
        for line in raw.decode("utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from a killed run
            self.entries[item["key"]] = (item["row"], item["rows"])
            self._end = max(self._end, item["row"] + item["rows"])
        self._index_read += len(raw)

    def _catch_up(self) -> None:
        """Entries another store object on this folder appended since (one writer at a time, several
        objects in turn): appending after them, never over them."""
        if self.index_path.exists() and self.index_path.stat().st_size > self._index_read:
            with open(self.index_path, "rb") as handle:
                handle.seek(self._index_read)
                raw = handle.read()
            self._read_index(raw[: raw.rfind(b"\n") + 1])

    @classmethod
    def existing(cls, folder: Path) -> ArrayStore | None:
        """The store in `folder` with the dtype and width it was made with, or None."""
        meta = Path(folder) / "meta.json"
        if not meta.is_file():
            return None
        values = json.loads(meta.read_text("utf-8"))
        return cls(folder, values["dtype"], values["width"])

    def __contains__(self, key: str) -> bool:
        if key not in self.entries:
            self._catch_up()
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, key: str, array: np.ndarray) -> None:
        self.add_many([(key, array)])

    def add_many(self, items: list[tuple[str, np.ndarray]]) -> None:
        """Append several arrays with one flush to disk, then index them."""
        blocks = [np.ascontiguousarray(np.asarray(a, dtype=self.dtype).reshape(-1, self.width)) for _, a in items]
        self._catch_up()
        with open(self.rows_path, "r+b" if self.rows_path.exists() else "wb") as handle:
            handle.seek(self._end * self.width * self.dtype.itemsize)
            for rows in blocks:
                handle.write(rows.tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        lines = []
        for (key, _), rows in zip(items, blocks, strict=True):
            lines.append(json.dumps({"key": key, "row": self._end, "rows": len(rows)}) + "\n")
            self.entries[key] = (self._end, len(rows))
            self._end += len(rows)
        written = "".join(lines).encode("utf-8")
        with open(self.index_path, "ab") as index:
            index.write(written)
        self._index_read += len(written)

    def rows(self, key: str) -> int:
        return self.entries[key][1]

    def get(self, key: str, start: int = 0, count: int | None = None) -> np.ndarray:
        """Rows `start`..`start+count` of `key`'s array, read from the file (a read-only array)."""
        if key not in self.entries:
            self._catch_up()
        first, total = self.entries[key]
        count = max(0, total - start if count is None else min(count, total - start))
        row = self.width * self.dtype.itemsize
        with open(self.rows_path, "rb") as handle:
            data = os.pread(handle.fileno(), count * row, (first + start) * row)
        return np.frombuffer(data, dtype=self.dtype).reshape(-1, self.width)
