"""Extract short music aspects (keywords) from descriptions, by LLM or offline lexicon."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crossmusim.aspects.pipeline import AspectsConfig, run_aspects
from crossmusim.cli.options import OutDir


def aspects(
    input: Path = typer.Option(..., "--in", help="descriptions.jsonl, songs.jsonl, or id+text JSONL/CSV."),
    out: Path = OutDir,
    extractor: str = typer.Option(None, "--extractor", help="lexicon (offline) or llm; default: llm with --llm."),
    llm: str = typer.Option(None, "--llm", help="Model name for LLM extraction (see generate)."),
    provider: str = typer.Option(None, "--provider"),
    base_url: str = typer.Option(None, "--base-url"),
    models: Path = typer.Option(None, "--models", help="TOML file with your own model entries."),
    vocab: list[str] = typer.Option(None, "--vocab", help="Extra vocabulary: TSV, muchin-v2=DIR or musiccaps=CSV."),
    concurrency: int = typer.Option(8, "--concurrency", min=1),
    rpm: int = typer.Option(None, "--rpm", min=1),
    tpm: int = typer.Option(None, "--tpm", min=1),
    max_cost: float = typer.Option(None, "--max-cost", min=0.0),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1),
    cache: Path = typer.Option(None, "--cache", help="Request cache (SQLite); default DIR/llm-cache.sqlite."),
) -> None:
    config = AspectsConfig(
        input=input, out_dir=out, extractor=extractor or ("llm" if llm else "lexicon"), llm=llm,
        provider=provider, base_url=base_url, models_file=models, vocab=vocab or [], concurrency=concurrency,
        rpm=rpm, tpm=tpm, max_cost=max_cost, timeout=timeout, cache_path=cache,
    )
    summary = run_aspects(config)
    top = ", ".join(f"{tag} {n}" for tag, n in summary["top_aspects"][:8])
    typer.echo(f"aspects {summary['stopped'] or 'finished'} ({summary['extractor']}): {summary['ok']} texts with "
               f"aspects, {summary['failed']} failed ({summary['records']} records); most frequent: {top}")
    if summary["stopped"] == "budget":
        sys.exit(4)
    if summary["stopped"] == "interrupted":
        sys.exit(130)
