"""Describe songs with an LLM from artist and title, or grounded on their crawled pages (OpenAI, DashScope,
vLLM or compatible)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crossmusim.cli import options as opt
from crossmusim.errors import UserError
from crossmusim.generate.runner import GenerateConfig, format_dry_run, format_summary, run_generate

EXIT_BUDGET = 4
EXIT_INTERRUPTED = 130


def generate(
    llm: str = typer.Option(..., "--llm", help="Model name: gpt-4o-mini, qwen2-7b, qwen-plus... or your own."),
    songs: Path = typer.Option(..., "--songs", help="CSV/JSONL (title, artist, album, year, id) or crawl songs.jsonl."),
    out: Path = opt.OutDir,
    provider: str = opt.Provider,
    base_url: list[str] = opt.BaseUrl,
    models: Path = opt.Models,
    lang: str = typer.Option(GenerateConfig.lang, "--lang", help="Prompt language: en or zh."),
    concurrency: int = opt.Concurrency,
    rpm: int = opt.Rpm,
    tpm: int = opt.Tpm,
    max_cost: float = opt.MaxCost,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show first prompt, calls and cost; send nothing."),
    limit: int = typer.Option(None, "--limit", min=1, help="Describe at most this many songs."),
    max_year: int = typer.Option(GenerateConfig.max_year, "--max-year", help="Leave out songs released after this."),
    timeout: float = opt.Timeout,
    retries: int = opt.Retries,
    retry_backoff: float = opt.RetryBackoff,
    temperature: float = typer.Option(GenerateConfig.temperature, "--temperature", min=0.0),
    max_tokens: int = typer.Option(
        None,
        "--max-tokens",
        min=16,
        help="Reply token limit (default: 700 for --lang en, 1200 for zh and for grounded prompts).",
    ),
    ground: Path = typer.Option(
        None, "--ground", help="A crawl's output folder: songs with a crawled page are described from its facts."
    ),
    ground_budget: int = typer.Option(
        None, "--ground-budget", min=50, help="Tokens of page facts per prompt (default: 600 for en, 900 for zh)."
    ),
    cache: Path = opt.Cache,
    tensor_parallel: int = opt.TensorParallel,
    data_parallel: int = opt.DataParallel,
    batch_file: Path = typer.Option(None, "--batch-file", help="Write the requests as OpenAI batch JSONL instead."),
    ingest_batch: Path = typer.Option(None, "--ingest-batch", help="Read batch results back (validated, cached)."),
    submit_batch: bool = typer.Option(
        False, "--submit-batch", help="Run as a provider batch job: submit, poll (resumable), ingest, write."
    ),
    poll: float = typer.Option(GenerateConfig.poll_s, "--poll", min=0.01, help="Seconds between batch job polls."),
) -> None:
    config = GenerateConfig(
        songs=songs,
        out_dir=out,
        llm=opt.llm_options(
            llm,
            provider,
            base_url,
            models,
            concurrency,
            rpm,
            tpm,
            max_cost,
            timeout,
            retries,
            retry_backoff,
            cache,
            (tensor_parallel, data_parallel),
        ),
        lang=lang,
        dry_run=dry_run,
        limit=limit,
        max_year=max_year,
        temperature=temperature,
        max_tokens=max_tokens,
        ground=ground,
        ground_budget=ground_budget,
        batch_file=batch_file,
        ingest_batch=ingest_batch,
        submit_batch=submit_batch,
        poll_s=poll,
    )
    if submit_batch and (batch_file is not None or ingest_batch is not None or dry_run):
        raise UserError("--submit-batch runs the whole batch job: drop --batch-file, --ingest-batch and --dry-run")
    summary = run_generate(config)
    if dry_run:
        typer.echo(format_dry_run(summary))
        return
    if batch_file is not None:
        typer.echo(
            f"wrote {summary['batch_requests']} requests to {batch_file} (OpenAI batch JSONL); "
            f"submit it, then run again with --ingest-batch RESULTS"
        )
        return
    typer.echo(format_summary(summary))
    if summary["stopped"] == "budget":
        typer.echo(
            f"crossmusim: stopped by --max-cost ({summary['stop_detail']}); the budget counts every run into "
            f"{out}: raise --max-cost to continue",
            err=True,
        )
        sys.exit(EXIT_BUDGET)
    if summary["stopped"] == "interrupted":
        typer.echo("crossmusim: interrupted; run the same command again to continue", err=True)
        sys.exit(EXIT_INTERRUPTED)
