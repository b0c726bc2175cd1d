"""Embed whole tracks (and optionally texts) with a trained model or a baseline, into an embeddings file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from crossmusim.cli.options import BaselineSeed, CacheDir, check_device
from crossmusim.errors import UserError


def embed(
    out: Path = typer.Option(..., "--out", "-o", help="Embeddings file to write: .npz or .parquet.", dir_okay=False),
    model: Path = typer.Option(
        None, "--model", help="A train run folder (or its model/ folder), or a Hub id user/name."
    ),
    baseline: str = typer.Option(
        None,
        "--baseline",
        help="random | untrained (needs --model) | musicnn | musicnn-std | probe (needs --dataset) | dsp | "
        "a registered baseline.",
    ),
    dataset: Path = typer.Option(None, "--dataset", help="A build-dataset folder: embeds its songs of --split."),
    split: str = typer.Option("test", "--split", help="The dataset split to embed."),
    audio: Path = typer.Option(None, "--audio", help="An audio manifest (path,title,artist,id) or folder."),
    text: Path = typer.Option(None, "--text", help="A file of query texts, one per line (a trained model only)."),
    seed: int = BaselineSeed,
    cache_dir: Path = CacheDir,
    workers: int = typer.Option(
        1, "--workers", min=1, help="Processes that embed (a large pool); the output keeps the input order."
    ),
    device: str = typer.Option(
        "cpu", "--device", help="cpu | cuda | cuda:N; with cuda, worker k of --workers uses GPU k mod the GPU count."
    ),
) -> None:
    from crossmusim.evaluation.baselines import check_system, make_embedder, uses_run
    from crossmusim.evaluation.embed import (
        WorkerSpec,
        embed_tracks,
        tracks_from_audio,
        tracks_from_dataset,
        training_tracks,
        worker_device,
    )
    from crossmusim.evaluation.embeddings_io import write_embeddings

    if (model is None) == (baseline is None) and not uses_run(baseline):
        raise UserError("give --model RUN_DIR or --baseline NAME (untrained and probe take both)")
    if (dataset is None) == (audio is None):
        raise UserError("give --dataset DIR or --audio MANIFEST|FOLDER")
    check_system(model, baseline, training_split=dataset is not None)
    check_device(device)
    if out.suffix not in (".npz", ".parquet"):
        raise UserError(f"--out {out}: write embeddings as .npz or .parquet")
    problems: list[dict[str, str]] = []
    if dataset is not None:
        tracks = tracks_from_dataset(dataset, split)
    else:
        tracks, problems = tracks_from_audio(audio)
    spec = WorkerSpec(model, baseline, seed, device, dataset)
    embedder = make_embedder(model, baseline, seed, worker_device(device, 0), dataset=dataset, cache_dir=cache_dir)
    reference = training_tracks(dataset) if embedder.standardise else None
    result = embed_tracks(embedder, tracks, cache_dir, workers=workers, spec=spec, reference=reference)
    problems += result.problems
    if not result.ids:
        raise UserError(f"no track could be embedded ({len(problems)} unusable): check --dataset or --audio")
    write_embeddings(out, result.ids, result.vectors)
    sidecar = out.with_name(out.stem + ".tracks.jsonl")
    sidecar.write_text(
        "".join(
            json.dumps(
                {
                    "id": t.id,
                    "artist": t.artist,
                    "title": t.title,
                    "path": t.path,
                    "tags_coarse": t.tags_coarse,
                    "tags_fine": t.tags_fine,
                },
                ensure_ascii=False,
            )
            + "\n"
            for t in result.tracks
        ),  # fmt: skip
        encoding="utf-8",
    )
    message = f"embedded {len(result.ids)} tracks with {embedder.name} into {out} ({result.vectors.shape[1]}-d)"
    if result.processes > 1:
        message += f" in {result.processes} processes"
    if text is not None:
        queries = [line.strip() for line in text.read_text(encoding="utf-8").splitlines() if line.strip()]
        vectors = embedder.embed_texts(queries)
        if vectors is None:
            raise UserError(f"--text: {embedder.name} has no text side (only a trained model embeds texts)")
        text_out = out.with_name(out.stem + ".texts" + out.suffix)
        write_embeddings(text_out, queries, vectors)
        message += f"; {len(queries)} texts into {text_out}"
    if problems:
        message += (
            f"; {len(problems)} unusable files skipped (first: {problems[0].get('path')}: {problems[0].get('reason')})"
        )
    typer.echo(message)
