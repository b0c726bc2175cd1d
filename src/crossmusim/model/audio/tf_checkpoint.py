"""Read a TensorFlow V2 checkpoint bundle (`NAME.index` + `NAME.data-00000-of-00001`) with numpy alone.

The `.index` file is a LevelDB-format sorted table (uncompressed blocks, prefix-compressed keys)
mapping each variable name to a `BundleEntryProto` (dtype, shape, shard, offset, size); the data
shard holds the raw little-endian tensors at those offsets. Only what musicnn's checkpoints use is
supported: float32/int64 tensors in one shard, no partitioned (sliced) variables.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from crossmusim.errors import UserError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_BYTES = 48
BLOCK_TRAILER_BYTES = 5  # one compression-type byte and a masked crc32c
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_}


class CheckpointFormatError(UserError):
    """The file is not a TensorFlow checkpoint bundle this reader understands."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _block_entries(buf: bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    block = buf[offset : offset + size]
    if buf[offset + size] != 0:
        raise CheckpointFormatError("compressed checkpoint index blocks are not supported")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * restarts
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + value_len]))
        pos += value_len
    return entries


def _fields(message: bytes) -> list[tuple[int, int | bytes]]:
    """Protocol-buffer wire format: (field number, int or bytes) in order."""
    out, pos = [], 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = struct.unpack_from("<I", message, pos)[0], pos + 4
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", message, pos)[0], pos + 8
        else:
            raise CheckpointFormatError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


def _entry(message: bytes) -> dict:
    entry = {"dtype": 0, "shape": [], "shard": 0, "offset": 0, "size": 0, "sliced": False}
    for number, value in _fields(message):
        if number == 1:
            entry["dtype"] = value
        elif number == 2:
            entry["shape"] = [next((v for n, v in _fields(dim) if n == 1), 0) for n, dim in _fields(value) if n == 2]
        elif number == 3:
            entry["shard"] = value
        elif number == 4:
            entry["offset"] = value
        elif number == 5:
            entry["size"] = value
        elif number == 7:
            entry["sliced"] = True
    return entry


def read_index(index_path: Path) -> dict[str, dict]:
    """Variable name -> its bundle entry, from a checkpoint's `.index` file."""
    buf = Path(index_path).read_bytes()
    if len(buf) < FOOTER_BYTES or struct.unpack_from("<Q", buf, len(buf) - 8)[0] != TABLE_MAGIC:
        raise CheckpointFormatError(f"{index_path}: not a TensorFlow checkpoint index (bad table magic)")
    footer = buf[len(buf) - FOOTER_BYTES :]
    _, pos = _varint(footer, 0)  # metaindex handle: unused
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    entries = {}
    for _, handle in _block_entries(buf, index_offset, index_size):
        data_offset, pos = _varint(handle, 0)
        data_size, _ = _varint(handle, pos)
        for key, value in _block_entries(buf, data_offset, data_size):
            if key:  # the empty key holds the bundle header
                entries[key.decode("utf-8")] = _entry(value)
    return entries


def read_checkpoint(prefix: Path, *, skip_optimizer: bool = True) -> dict[str, np.ndarray]:
    """All tensors of the checkpoint at `prefix` (`prefix.index` beside `prefix.data-*`, or a folder).

    Adam slots and step counters are left out unless `skip_optimizer` is false.
    """
    prefix = Path(prefix)
    # musicnn saved its checkpoints with a directory as the prefix: `DIR/.index`, `DIR/.data-*`.
    folder, stem = (prefix, "") if prefix.is_dir() else (prefix.parent, prefix.name)
    index_path = folder / f"{stem}.index"
    if not index_path.is_file():
        raise CheckpointFormatError(f"{index_path}: no such checkpoint index")
    tensors: dict[str, np.ndarray] = {}
    shards: dict[int, np.memmap] = {}
    for name, entry in read_index(index_path).items():
        if skip_optimizer and ("/Adam" in name or name.endswith("_power") or name == "global_step"):
            continue
        if entry["sliced"] or entry["dtype"] not in DTYPES:
            raise CheckpointFormatError(f"{prefix}: variable {name} is sliced or of an unsupported dtype")
        shard = entry["shard"]
        if shard not in shards:
            files = sorted(folder.glob(f"{stem}.data-{shard:05d}-of-*"))
            if not files:
                raise CheckpointFormatError(f"{prefix}: data shard {shard} is missing")
            shards[shard] = np.memmap(files[0], dtype=np.uint8, mode="r")
        dtype = np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<")
        raw = shards[shard][entry["offset"] : entry["offset"] + entry["size"]]
        tensors[name] = (
            np.frombuffer(raw.tobytes(), dtype=dtype).reshape(entry["shape"]).astype(dtype.newbyteorder("="))
        )
    return tensors
