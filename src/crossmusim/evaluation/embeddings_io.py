"""Embedding files: `.npz` with `ids` (strings) and `embeddings` (float32, N x D), or Parquet with
columns `id` and `embedding` (a list of floats). Both are read and written; rows are L2-normalised
on write, so that the inner product is the cosine similarity everywhere downstream."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from crossmusim.errors import UserError
from crossmusim.io import atomic_output, open_text

SYSTEM_KEY = "crossmusim.system"  # Parquet schema metadata: which system made the vectors


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def write_embeddings(path: Path, ids: list[str], vectors: np.ndarray, system: dict | None = None) -> Path:
    """Write atomically (a temporary file renamed into place). `system` (which model or baseline made the
    vectors) is kept in the file: an .npz array `system`, Parquet schema metadata `crossmusim.system`."""
    path = Path(path)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(set(ids)) != len(ids):
        raise UserError(f"{path}: duplicate ids in the embeddings to write")
    if path.suffix not in (".npz", ".parquet"):
        raise UserError(f"{path}: embeddings are written as .npz or .parquet")
    vectors = normalise(vectors)
    with atomic_output(path) as tmp:
        if path.suffix == ".npz":
            extra = {"system": np.asarray(json.dumps(system))} if system is not None else {}
            with open(tmp, "wb") as handle:
                np.savez(handle, ids=np.asarray(ids, dtype=str), embeddings=vectors, **extra)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.table(
                {"id": pa.array(ids, pa.string()), "embedding": pa.array(list(vectors), pa.list_(pa.float32()))}
            )
            if system is not None:
                table = table.replace_schema_metadata({SYSTEM_KEY: json.dumps(system)})
            pq.write_table(table, tmp)
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


def read_system(path: Path) -> dict | None:
    """Which model or baseline made an embeddings file's vectors (`write_embeddings`' `system`); None for
    a file made elsewhere."""
    path = Path(path)
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                return json.loads(str(data["system"])) if "system" in data else None
        import pyarrow.parquet as pq

        metadata = pq.read_schema(path).metadata or {}
        found = metadata.get(SYSTEM_KEY.encode())
        return json.loads(found) if found else None
    except (OSError, ValueError, KeyError):
        return None


class TextVectors:
    """Query vectors made elsewhere (CLAP's or MuQ-MuLan's text side, say) as a system's text side: an
    embeddings file whose `ids` are the query texts (tag words after the T2M template) or the caption
    ids of `--queries`. Called with query texts, it returns their vectors, L2-normalised."""

    def __init__(self, path: Path, captions: list[tuple[str, str]] | None = None):
        ids, vectors = read_embeddings(path)
        self.path, self.vectors = Path(path), normalise(vectors)
        self.row = {key: n for n, key in enumerate(ids)}
        # a caption is looked up by its text's id (`--queries` rows: track id, text)
        self.caption_ids = {text: track for track, text in (captions or []) if track in self.row}

    def __call__(self, texts: list[str]) -> np.ndarray:
        rows = [self.row.get(t, self.row.get(self.caption_ids.get(t, "\0"))) for t in texts]
        lacking = [t for t, r in zip(texts, rows, strict=True) if r is None]
        if lacking:
            raise UserError(
                f"{self.path}: no vector for the query {lacking[0]!r} ({len(lacking)} of {len(texts)} missing): "
                "its ids must be the query texts (each tag after --t2m-template) or the --queries ids"
            )
        return self.vectors[rows]


def read_meta(path: Path) -> dict[str, dict]:
    """Rows of `id` and any columns (CSV/TSV), or the `.tracks.jsonl` that embed writes."""
    if not path.is_file():
        raise UserError(f"--meta {path}: no such file")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    else:
        with open_text(path) as handle:
            sample = handle.read(4096)
            handle.seek(0)
            rows = list(csv.DictReader(handle, delimiter="\t" if "\t" in sample.splitlines()[0] else ","))
    if rows and "id" not in rows[0]:
        raise UserError(f"--meta {path}: needs an 'id' column (and any others: artist, title, path)")
    return {str(row["id"]): row for row in rows}
