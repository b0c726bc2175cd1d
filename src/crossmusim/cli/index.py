"""Build a retrieval pool (a FAISS index) from an embeddings file, with track metadata kept beside it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

from crossmusim.errors import UserError


def read_meta(path: Path) -> dict[str, dict]:
    """Rows of `id` and any columns (CSV/TSV), or the `.tracks.jsonl` that embed writes."""
    from crossmusim.io import open_text

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


def index(
    embeddings: Path = typer.Option(..., "--embeddings", help="An embeddings file (.npz or .parquet)."),
    out: Path = typer.Option(..., "--out", "-o", help="The index folder to write."),
    meta: Path = typer.Option(None, "--meta", help="CSV/TSV of id and columns to keep (default: FILE.tracks.jsonl)."),
    kind: str = typer.Option("flat", "--kind", help="flat (exact) | hnsw (approximate, for large pools)."),
) -> None:
    from crossmusim.evaluation.embeddings_io import read_embeddings
    from crossmusim.evaluation.retrieval import build_pool, save_pool
    from crossmusim.outputs import check_output_folder

    check_output_folder(out, "index")

    ids, vectors = read_embeddings(embeddings)
    sidecar = embeddings.with_name(embeddings.stem + ".tracks.jsonl")
    rows = read_meta(meta) if meta is not None else read_meta(sidecar) if sidecar.is_file() else {}
    pool = build_pool(ids, vectors, rows, kind)
    save_pool(pool, out)
    recall = {k: v for k, v in pool.info.items() if k.startswith("recall")}
    extra = f"; HNSW {', '.join(f'{k} {v:.3f}' for k, v in recall.items())} against exact search" if recall else ""
    typer.echo(f"indexed {len(ids)} tracks ({pool.info['dim']}-d, {kind}) into {out}{extra}")
