"""Embedding files: `.npz` with `ids` (strings) and `embeddings` (float32, N x D), or Parquet with
columns `id` and `embedding` (a list of floats). Both are read and written; rows are L2-normalised
on write, so that the inner product is the cosine similarity everywhere downstream."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from crossmusim.errors import UserError


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def write_embeddings(path: Path, ids: list[str], vectors: np.ndarray) -> Path:
    """Write atomically (a temporary file renamed into place)."""
    path = Path(path)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(set(ids)) != len(ids):
        raise UserError(f"{path}: duplicate ids in the embeddings to write")
    vectors = normalise(vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if path.suffix == ".npz":
        with open(tmp, "wb") as handle:
            np.savez(handle, ids=np.asarray(ids, dtype=str), embeddings=vectors)
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {"id": pa.array(ids, pa.string()), "embedding": pa.array(list(vectors), pa.list_(pa.float32()))}
        )
        pq.write_table(table, tmp)
    else:
        raise UserError(f"{path}: embeddings are written as .npz or .parquet")
    os.replace(tmp, path)
    return path


def read_embeddings(path: Path) -> tuple[list[str], np.ndarray]:
    """(ids, float32 N x D), from .npz (ids, embeddings) or Parquet (id, embedding)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such embeddings file")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                if "ids" not in data or "embeddings" not in data:
                    raise UserError(f"{path}: an .npz of embeddings needs arrays 'ids' and 'embeddings'")
                ids, vectors = [str(i) for i in data["ids"]], np.asarray(data["embeddings"], dtype=np.float32)
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            if not {"id", "embedding"} <= set(table.column_names):
                raise UserError(f"{path}: a Parquet file of embeddings needs columns 'id' and 'embedding'")
            ids = [str(i) for i in table.column("id").to_pylist()]
            vectors = np.asarray(table.column("embedding").to_pylist(), dtype=np.float32)
        else:
            raise UserError(f"{path}: embeddings are read from .npz or .parquet")
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read embeddings ({str(exc).splitlines()[0]})") from None
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise UserError(f"{path}: {len(ids)} ids but embeddings of shape {vectors.shape} (needs N x D)")
    if not np.isfinite(vectors).all():
        raise UserError(f"{path}: embeddings hold NaN or infinite values")
    return ids, vectors
