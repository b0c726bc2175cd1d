"""Rows of a split saved with `datasets`' `save_to_disk`, streamed without holding them in memory.

`datasets.load_from_disk` memory-maps the split's Arrow files, and every page a pass touches stays
resident in the process: one pass over an embedded build's audio (a training split's bytes, for a
baseline's statistics) looks like holding all of it. Here the same files are mapped too (no batch is
copied to the heap, however large its audio), and each record batch's pages are released
(`madvise(MADV_DONTNEED)`: the data stays in the page cache, the process no longer holds it) once its
rows have been handed out. Rows come as plain dicts, as `datasets` gives them without a format.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def split_files(split_folder: Path) -> list[Path]:
    """The split's Arrow files in order (its state.json), else every *.arrow file sorted."""
    state = Path(split_folder) / "state.json"
    if state.is_file():
        return [Path(split_folder) / item["filename"] for item in json.loads(state.read_text("utf-8"))["_data_files"]]
    return sorted(Path(split_folder).glob("*.arrow"))


def iter_split_rows(split_folder: Path) -> Iterator[dict[str, Any]]:
    """Each row of a saved split, one record batch mapped at a time."""
    import pyarrow as pa

    for path in split_files(split_folder):
        if path.stat().st_size == 0:
            continue
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield from _mapped_rows(pa, mapped)


def _mapped_rows(pa, mapped: mmap.mmap) -> Iterator[dict[str, Any]]:
    """The rows of one mapped stream file, a row copied out at a time; every Arrow object over the map
    is dropped before the map closes (an exported buffer would keep it from closing)."""
    held: dict[str, Any] = {"view": memoryview(mapped)}
    try:
        held["source"] = pa.BufferReader(pa.py_buffer(held["view"]))
        held["reader"] = pa.ipc.open_stream(held["source"])
        released = 0
        while True:
            try:
                held["batch"] = held["reader"].read_next_batch()
            except StopIteration:
                break
            for row in range(held["batch"].num_rows):
                yield held["batch"].slice(row, 1).to_pylist()[0]
            end = held["source"].tell() - held["source"].tell() % mmap.PAGESIZE
            if end > released:
                mapped.madvise(mmap.MADV_DONTNEED, released, end - released)
                released = end
    finally:
        view = held.pop("view")
        held.clear()
        view.release()
