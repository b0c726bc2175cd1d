"""Build a Hugging Face dataset of text-audio pairs: clean, language-id, mask, dedup, pair, split."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from crossmusim.cli.options import OutDir
from crossmusim.curation.build_config import BuildConfig
from crossmusim.curation.filters import parse_filters
from crossmusim.curation.splits import parse_shares
from crossmusim.errors import UserError


def build(
    out: Path = OutDir,
    crawl: list[Path] = typer.Option(None, "--crawl", help="A crawl's output folder or songs.jsonl (repeatable)."),
    generated: list[Path] = typer.Option(None, "--generated", help="A generate output folder or descriptions.jsonl."),
    aspects: list[Path] = typer.Option(None, "--aspects", help="An aspects output folder or aspects.jsonl."),
    open_sets: list[str] = typer.Option(
        None,
        "--open",
        help="NAME=FILE: pairs (your own audio,title,artist,text,type rows: CSV, JSONL or Parquet), 4q=FOLDER (the "
        "4Q clips' AllMusic tag text as pairs), musiccaps, wikimute, song-describer, muchin (repeatable).",
    ),
    filters: str = typer.Option(
        None,
        "--filters",
        help="relevance,length,dedup (or none) for every text; default: web text filtered, curated pairs not.",
    ),
    audio: Path = typer.Option(None, "--audio", help="Audio manifest (CSV/JSONL: path,title,artist,id) or folder."),
    tags: Path = typer.Option(None, "--tags", help="Evaluation tags CSV/TSV: song_id or title+artist, level, tag."),
    mask: bool = typer.Option(
        BuildConfig.mask, "--mask/--no-mask", help="Replace title/artist/album mentions by placeholders."
    ),
    dedup: str = typer.Option(BuildConfig.dedup, "--dedup", help="near | exact | off."),
    near_threshold: float = typer.Option(BuildConfig.near_threshold, "--near-threshold", min=0.1, max=1.0),
    seed: int = typer.Option(BuildConfig.seed, "--seed", help="Seed of the artist-disjoint split."),
    split_shares: str = typer.Option(
        ",".join(str(s) for s in BuildConfig.split_shares),
        "--split-shares",
        help="Shares of train,validation,test (by rows; no artist in two splits).",
    ),
    keep_contradicted: bool = typer.Option(
        BuildConfig.keep_contradicted,
        "--keep-contradicted/--drop-contradicted",
        help="Keep LLM descriptions whose fact check contradicted the song's year, album or artist.",
    ),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed row instead of skipping it."),
    embed_audio: bool = typer.Option(
        None, "--embed-audio/--link-audio", help="Store audio bytes or only paths (default: a pairs build links)."
    ),
    parquet: bool = typer.Option(False, "--parquet", help="Also export each split as Parquet."),
    push_to_hub: str = typer.Option(None, "--push-to-hub", help="Push to this Hugging Face Hub repo (needs HF_TOKEN)."),
    splits_from: Path = typer.Option(
        None, "--splits-from", help="An earlier output: its artists keep their splits (ablations on one split)."
    ),
    chunk_records: int = typer.Option(
        BuildConfig.chunk_records,
        "--chunk-records",
        min=1,
        help="Records sorted in memory at once (the rest waits in work files): lower it to use less memory.",
    ),
    engine: str = typer.Option(
        BuildConfig.engine, "--engine", help="local, or ray: the per-record steps as Ray Data batch transforms."
    ),
    ray_address: str = typer.Option(
        None, "--ray-address", help="A running Ray cluster (e.g. ray://head:10001 or auto); default: a local one."
    ),
) -> None:
    config = BuildConfig(
        out=out,
        crawl=crawl or [],
        generated=generated or [],
        aspects=aspects or [],
        open=open_sets or [],
        filters=_filters(filters),
        audio=audio,
        tags=tags,
        mask=mask,
        dedup=dedup,
        near_threshold=near_threshold,
        seed=seed,
        split_shares=_shares(split_shares),
        strict=strict,
        keep_contradicted=keep_contradicted,
        embed_audio=embed_audio,
        parquet=parquet,
        push_to_hub=push_to_hub,
        splits_from=splits_from,
        chunk_records=chunk_records,
        engine=engine,
        ray_address=ray_address,
        command=shlex.join(["crossmusim", *sys.argv[sys.argv.index("build-dataset") :]])
        if "build-dataset" in sys.argv
        else "crossmusim build-dataset",
    )
    from crossmusim.curation import build_dataset  # the whole pipeline: only when building

    summary = build_dataset(config)
    from crossmusim.curation.build_report import drop_lines

    for line in drop_lines(summary):
        typer.echo(line, err=True)
    rows = ", ".join(f"{k} {v}" for k, v in summary["rows"].items())
    typer.echo(
        f"dataset written to {out}: {rows} rows; {summary['unmatched_texts']} texts without audio, "
        f"{summary['texts_with_unusable_audio']} with unusable audio; "
        f"masked names left in {summary['mask']['leak_share']:.1%} of texts; see {out / 'README.md'}"
    )
    if summary.get("pushed"):
        typer.echo(f"pushed to the Hub as {push_to_hub}: {summary['pushed']}")


def _shares(text: str) -> tuple[float, float, float]:
    try:
        return parse_shares(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _filters(text: str | None) -> tuple[str, ...] | None:
    try:
        return parse_filters(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None
