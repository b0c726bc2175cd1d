"""Extract short music aspects (keywords) from descriptions, by LLM or offline lexicon."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crossmusim.cli import options as opt


def aspects(
    input: Path = typer.Option(..., "--in", help="descriptions.jsonl, songs.jsonl, or id+text JSONL/CSV."),
    out: Path = opt.OutDir,
    extractor: str = typer.Option(None, "--extractor", help="lexicon (offline) or llm; default: llm with --llm."),
    llm: str = typer.Option(None, "--llm", help="Model name for LLM extraction (see generate)."),
    provider: str = opt.Provider,
    base_url: list[str] = opt.BaseUrl,
    models: Path = opt.Models,
    vocab: list[str] = typer.Option(
        None, "--vocab", help="Extra vocabulary: TSV, muchin-v2=DIR, musiccaps=CSV or musiccaps-train=CSV."
    ),
    exclude_ids: Path = typer.Option(
        None, "--exclude-ids", help="Ids (MusicCaps ytids) to keep out of a MusicCaps vocabulary: your eval rows."
    ),
    concurrency: int = opt.Concurrency,
    rpm: int = opt.Rpm,
    tpm: int = opt.Tpm,
    max_cost: float = opt.MaxCost,
    timeout: float = opt.Timeout,
    retries: int = opt.Retries,
    retry_backoff: float = opt.RetryBackoff,
    cache: Path = opt.Cache,
) -> None:
    from crossmusim.aspects.pipeline import AspectsConfig, run_aspects  # numpy and the extractors

    config = AspectsConfig(
        input=input,
        out_dir=out,
        extractor=extractor or ("llm" if llm else "lexicon"),
        llm=opt.llm_options(
            llm, provider, base_url, models, concurrency, rpm, tpm, max_cost, timeout, retries, retry_backoff, cache
        ),
        vocab=vocab or [],
        exclude_ids=exclude_ids,
    )
    summary = run_aspects(config)
    top = ", ".join(f"{tag} {n}" for tag, n in summary["top_aspects"][:8])
    typer.echo(
        f"aspects {summary['stopped'] or 'finished'} ({summary['extractor']}): {summary['with_aspects']} texts "
        f"with aspects, {summary['without_aspects']} without, {summary['failed']} failed ({summary['records']} "
        f"records); most frequent: {top or 'none'}"
    )
    if summary["stopped"] == "budget":
        sys.exit(4)
    if summary["stopped"] == "interrupted":
        sys.exit(130)
