"""Build a retrieval pool (a FAISS index) from an embeddings file, with track metadata kept beside it."""

from __future__ import annotations

from pathlib import Path

import typer


def index(
    embeddings: Path = typer.Option(..., "--embeddings", help="An embeddings file (.npz or .parquet)."),
    out: Path = typer.Option(..., "--out", "-o", help="The index folder to write."),
    meta: Path = typer.Option(None, "--meta", help="CSV/TSV of id and columns to keep (default: FILE.tracks.jsonl)."),
    kind: str = typer.Option("flat", "--kind", help="flat (exact) | hnsw (approximate, for large pools)."),
) -> None:
    from crossmusim.evaluation.embeddings_io import read_embeddings, read_meta, read_system
    from crossmusim.evaluation.retrieval import build_pool, save_pool
    from crossmusim.outputs import check_output_folder

    check_output_folder(out, "index")

    ids, vectors = read_embeddings(embeddings)
    sidecar = embeddings.with_name(embeddings.stem + ".tracks.jsonl")
    rows = read_meta(meta) if meta is not None else read_meta(sidecar) if sidecar.is_file() else {}
    pool = build_pool(ids, vectors, rows, kind, system=read_system(embeddings))
    save_pool(pool, out)
    recall = {k: v for k, v in pool.info.items() if k.startswith("recall")}
    extra = f"; HNSW {', '.join(f'{k} {v:.3f}' for k, v in recall.items())} against exact search" if recall else ""
    typer.echo(f"indexed {len(ids)} tracks ({pool.info['dim']}-d, {kind}) into {out}{extra}")
