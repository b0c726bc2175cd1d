"""Options shared by several commands; defaults come from the config dataclasses, written once there."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from crossmusim.crawlers.config import CrawlConfig
from crossmusim.errors import UserError
from crossmusim.llm.session import LLMOptions

CacheDir = typer.Option(
    None,
    "--cache-dir",
    help="Cache root: decoded audio, tower features, embeddings (default ~/.cache/crossmusim, $CROSSMUSIM_CACHE).",
)
BaselineSeed = typer.Option(0, "--seed", help="Seed of the random baseline.")

OutDir = typer.Option(
    ..., "--out", "-o", help="Output folder (created if missing).", file_okay=False, dir_okay=True, path_type=Path
)

# The model and how to reach and pace it (generate, aspects).
Provider = typer.Option(None, "--provider", help="openai | dashscope | vllm | vllm-offline | openai-compatible.")
BaseUrl = typer.Option(
    None,
    "--base-url",
    help="Replace the provider's endpoint (e.g. a vLLM or llama.cpp server); repeat it to spread over several.",
)
Models = typer.Option(None, "--models", help="TOML file with your own model entries and prices.")
Concurrency = typer.Option(
    LLMOptions.concurrency, "--concurrency", min=1, help="Requests in flight at most (default 8; vllm-offline 256)."
)
Rpm = typer.Option(None, "--rpm", min=1, help="Requests per minute at most.")
Tpm = typer.Option(None, "--tpm", min=1, help="Tokens per minute at most.")
MaxCost = typer.Option(
    None, "--max-cost", min=0.0, help="Total budget in USD for this output folder, earlier runs included."
)
Timeout = typer.Option(LLMOptions.timeout, "--timeout", min=0.1, help="Per-request timeout in seconds.")
Retries = typer.Option(LLMOptions.retries, "--retries", min=0, help="Retries on 429/5xx/timeouts.")
RetryBackoff = typer.Option(
    LLMOptions.backoff_base, "--retry-backoff", min=0.0, help="First retry wait in seconds (doubles)."
)
Cache = typer.Option(None, "--cache", help="Request cache (SQLite); default DIR/llm-cache.sqlite.")
TensorParallel = typer.Option(
    LLMOptions.tensor_parallel, "--tensor-parallel-size", min=1, help="GPUs per model for a vLLM this run starts."
)
DataParallel = typer.Option(
    LLMOptions.data_parallel, "--data-parallel-size", min=1, help="Model replicas for a vLLM this run starts."
)


def llm_options(
    llm, provider, base_url, models, concurrency, rpm, tpm, max_cost, timeout, retries, backoff, cache, parallel=(1, 1)
):
    """The shared options above, as the runtime's config; `parallel`: (tensor, data) parallel sizes."""
    return LLMOptions(
        llm=llm or "",
        provider=provider,
        base_urls=list(base_url or []),
        models_file=models,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        max_cost=max_cost,
        timeout=timeout,
        retries=retries,
        backoff_base=backoff,
        cache_path=cache,
        tensor_parallel=parallel[0],
        data_parallel=parallel[1],
    )


def check_device(device: str) -> str:
    """`cpu`, `cuda` or `cuda:N`, and a GPU that torch can see for the latter two (one-line errors)."""
    if device not in ("cpu", "cuda") and not re.fullmatch(r"cuda:\d+", device):
        raise UserError(f"--device {device!r}: choose cpu, cuda or cuda:N")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UserError(f"--device {device}: no CUDA GPU is visible to torch here; use --device cpu")
    return device


# A site's politeness, for the commands that fetch web pages (crawl, songs).
CrawlUserAgent = typer.Option(None, "--user-agent", help="User-Agent header (identify yourself).")
CrawlDelay = typer.Option(CrawlConfig.download_delay, "--delay", min=0.0, help="Seconds between requests to one site.")
CrawlTimeout = typer.Option(CrawlConfig.timeout_s, "--timeout", min=0.1, help="Per-request timeout in seconds.")
CrawlRetryBackoff = typer.Option(
    CrawlConfig.backoff_base_s,
    "--retry-backoff",
    min=0.0,
    help="First retry wait in seconds (doubles; Retry-After wins).",
)
