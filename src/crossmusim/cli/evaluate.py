"""Evaluate models, baselines and embedding files with the paper's metrics; write a report to look at and listen to
(the work is `crossmusim.evaluation.evaluate`; this parses the options)."""

from __future__ import annotations

from pathlib import Path

import typer

from crossmusim.cli.options import BaselineSeed, CacheDir


def evaluate(
    out: Path = typer.Option(..., "--out", "-o", help="The report folder to write.", file_okay=False),
    models: list[Path] = typer.Option(
        None, "--model", help="A train run folder, or hf://user/name[@revision] (repeatable)."
    ),
    baselines: list[str] = typer.Option(
        None,
        "--baseline",
        help="random | untrained | musicnn | musicnn-std | probe | dsp | a registered baseline (repeatable); "
        "untrained and probe are built from --baseline-from's run.",
    ),
    baseline_from: Path = typer.Option(
        None, "--baseline-from", help="The run untrained and probe are built from (default: the first --model)."
    ),
    bootstrap_unit: str = typer.Option(
        "artist", "--bootstrap-unit", help="What the 95% intervals resample: artist | song | query."
    ),
    draws: int = typer.Option(1000, "--draws", help="Bootstrap draws for the intervals (at least 100)."),
    embeddings: list[Path] = typer.Option(None, "--embeddings", help="A precomputed embeddings file (repeatable)."),
    text_embeddings: list[Path] = typer.Option(
        None,
        "--text-embeddings",
        help="The text side of the i-th --embeddings file (repeatable, in order): ids = the query texts (tags "
        "after --t2m-template) or --queries ids; gives T2M and caption retrieval for vectors made elsewhere.",
    ),
    dataset: Path = typer.Option(None, "--dataset", help="A build-dataset folder: its songs and tags."),
    split: str = typer.Option("test", "--split", help="The dataset split to evaluate on."),
    tags: Path = typer.Option(
        None,
        "--tags",
        help="Instead of --dataset: id,level,tag rows, a 4Q metadata.csv, an MTG-Jamendo TSV, a MusicCaps CSV "
        "or a MuChin folder.",
    ),
    artists: Path = typer.Option(None, "--artists", help="With --tags: id,artist rows."),
    audio: Path = typer.Option(
        None, "--audio", help="With --tags: the tracks' audio (a manifest with an id column, or a folder)."
    ),
    std_from: Path = typer.Option(
        None,
        "--std-from",
        help="With --audio: musicnn-std's and dsp's statistics from this dataset's training "
        "split or audio manifest/folder (without: the scored pool, said in the report as transductive).",
    ),
    queries: Path = typer.Option(
        None, "--queries", help="Caption-to-track retrieval: id,text rows (or a MusicCaps CSV) about the tracks."
    ),
    reference: str = typer.Option(
        None, "--reference", help="The system gains are measured against (default: musicnn-std when scored)."
    ),
    template: str = typer.Option("{tag}", "--t2m-template", help="Text query per tag, e.g. 'a {tag} song'."),
    seed: int = BaselineSeed,
    cache_dir: Path = CacheDir,
) -> None:
    from crossmusim.evaluation.run import EvaluateConfig, evaluate

    config = EvaluateConfig(
        out=out, models=list(models or []), baselines=list(baselines or []), embeddings=list(embeddings or []),
        text_embeddings=list(text_embeddings or []), dataset=dataset, split=split, tags=tags, artists=artists,
        audio=audio, queries=queries, reference=reference, template=template, seed=seed, cache_dir=cache_dir,
        baseline_from=baseline_from, std_from=std_from, bootstrap_unit=bootstrap_unit, draws=draws,
    )  # fmt: skip
    evaluation = evaluate(config)
    typer.echo(evaluation.table)
    for reason in evaluation.dashes:
        typer.echo(f"  {reason}")
    if evaluation.captions:
        typer.echo(f"\ncaption-to-track retrieval:\n{evaluation.captions}")
    if evaluation.gains:
        typer.echo(f"\ngains over {evaluation.reference} (points, paired 95% interval over "
                   f"{config.bootstrap_unit}s):\n{evaluation.gains}")  # fmt: skip
    typer.echo(f"report: {out / 'report.html'}")
