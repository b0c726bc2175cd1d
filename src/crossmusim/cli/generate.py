"""Describe songs with an LLM given only artist and title (OpenAI, DashScope, vLLM or compatible)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crossmusim.cli.options import OutDir
from crossmusim.prompting.runner import GenerateConfig, format_dry_run, format_summary, run_generate

EXIT_BUDGET = 4
EXIT_INTERRUPTED = 130


def generate(
    llm: str = typer.Option(..., "--llm", help="Model name: gpt-4o-mini, qwen2-7b, qwen-plus... or your own."),
    songs: Path = typer.Option(..., "--songs", help="CSV/JSONL (title, artist, album, year, id) or crawl songs.jsonl."),
    out: Path = OutDir,
    provider: str = typer.Option(None, "--provider", help="openai | dashscope | vllm | openai-compatible."),
    base_url: str = typer.Option(None, "--base-url", help="Replace the provider's endpoint (e.g. a vLLM server)."),
    models: Path = typer.Option(None, "--models", help="TOML file with your own model entries and prices."),
    lang: str = typer.Option("en", "--lang", help="Prompt language: en or zh."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Requests in flight at most."),
    rpm: int = typer.Option(None, "--rpm", min=1, help="Requests per minute at most."),
    tpm: int = typer.Option(None, "--tpm", min=1, help="Tokens per minute at most."),
    max_cost: float = typer.Option(None, "--max-cost", min=0.0, help="Stop before spending more (USD)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show first prompt, calls and cost; send nothing."),
    limit: int = typer.Option(None, "--limit", min=1, help="Describe at most this many songs."),
    max_year: int = typer.Option(2020, "--max-year", help="Leave out songs released after this year."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Per-request timeout in seconds."),
    retries: int = typer.Option(5, "--retries", min=0, help="Retries on 429/5xx/timeouts."),
    retry_backoff: float = typer.Option(1.0, "--retry-backoff", min=0.0, help="First retry wait (doubles)."),
    temperature: float = typer.Option(0.2, "--temperature", min=0.0),
    max_tokens: int = typer.Option(700, "--max-tokens", min=16),
    cache: Path = typer.Option(None, "--cache", help="Request cache (SQLite); default DIR/llm-cache.sqlite."),
    batch_file: Path = typer.Option(None, "--batch-file", help="Write the requests as OpenAI batch JSONL instead."),
    ingest_batch: Path = typer.Option(None, "--ingest-batch", help="Read batch results back (validated, cached)."),
) -> None:
    config = GenerateConfig(
        llm=llm, songs=songs, out_dir=out, provider=provider, base_url=base_url, models_file=models, lang=lang,
        concurrency=concurrency, rpm=rpm, tpm=tpm, max_cost=max_cost, dry_run=dry_run, limit=limit,
        max_year=max_year, timeout=timeout, retries=retries, backoff_base=retry_backoff,
        temperature=temperature, max_tokens=max_tokens, cache_path=cache, batch_file=batch_file,
        ingest_batch=ingest_batch,
    )
    summary = run_generate(config)
    if dry_run:
        typer.echo(format_dry_run(summary))
        return
    if batch_file is not None:
        typer.echo(f"wrote {summary['batch_requests']} requests to {batch_file} (OpenAI batch JSONL); "
                   f"submit it, then run again with --ingest-batch RESULTS")
        return
    typer.echo(format_summary(summary))
    if summary["stopped"] == "budget":
        typer.echo(f"crossmusim: stopped by --max-cost: {summary['stop_detail']}", err=True)
        sys.exit(EXIT_BUDGET)
    if summary["stopped"] == "interrupted":
        typer.echo("crossmusim: interrupted; run the same command again to continue", err=True)
        sys.exit(EXIT_INTERRUPTED)
