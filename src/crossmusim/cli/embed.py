"""Embed whole tracks (and optionally texts) with a trained model or a baseline, into an embeddings file."""

from __future__ import annotations

from pathlib import Path

import typer

from crossmusim.cli.options import BaselineSeed, CacheDir, check_device


def embed(
    out: Path = typer.Option(..., "--out", "-o", help="Embeddings file to write: .npz or .parquet.", dir_okay=False),
    model: Path = typer.Option(
        None, "--model", help="A train run folder (or its model/ folder), or hf://user/name[@revision]."
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
    from crossmusim.evaluation import EmbedConfig, embed

    check_device(device)
    texts = None
    if text is not None:
        texts = [line.strip() for line in text.read_text(encoding="utf-8").splitlines() if line.strip()]
    config = EmbedConfig(out, model, baseline, dataset, split, audio, texts or [], seed, cache_dir, workers, device)
    done = embed(config)
    message = f"embedded {len(done.ids)} tracks with {done.system} into {out} ({done.vectors.shape[1]}-d)"
    if done.processes > 1:
        message += f" in {done.processes} processes"
    if done.texts_out is not None:
        message += f"; {len(config.texts)} texts into {done.texts_out}"
    if done.problems:
        first = done.problems[0]
        message += f"; {len(done.problems)} unusable files skipped (first: {first.get('path')}: {first.get('reason')})"
    typer.echo(message)
