"""One LLM session per run: the model resolved, its cache, limits and budget, a client while jobs run.

`generate` and `aspects` both set up their model calls here, so every option (endpoint, pacing,
retries, cache, budget) means the same in both and is written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from crossmusim.errors import UserError
from crossmusim.llm.cache import RequestCache
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.connect import open_client
from crossmusim.llm.jobs import JobsOutcome, run_jobs_to_file
from crossmusim.llm.limits import Budget, RateLimiter
from crossmusim.llm.registry import ResolvedModel, resolve

T = TypeVar("T")
CACHE_FILE = "llm-cache.sqlite"


@dataclass
class LLMOptions:
    """How to reach and pace a model; the command-line options of every command that calls one."""

    llm: str = ""
    provider: str | None = None
    base_urls: list[str] = field(default_factory=list)  # several: an EndpointPool spreads requests over them
    models_file: Path | None = None
    concurrency: int | None = None  # None: the provider's default (8; 256 for vllm-offline)
    rpm: int | None = None
    tpm: int | None = None
    max_cost: float | None = None  # USD over the whole output folder, every run counted
    timeout: float = 60.0
    retries: int = 5
    backoff_base: float = 1.0
    cache_path: Path | None = None
    tensor_parallel: int = 1  # GPUs per model replica (a vLLM we start, or vllm-offline)
    data_parallel: int = 1  # model replicas (a vLLM we start)


def spent_in(records: Iterable[dict[str, Any]]) -> float:
    """What the records already in an output file cost (their `cost_usd`), for the cumulative budget."""
    return sum(float(r.get("cost_usd") or 0.0) for r in records)


class LLMSession:
    """Resolves the model when made (bad names fail before any file is touched); opens the cache and
    the caller on `with`."""

    cache: RequestCache
    caller: LLMCaller

    def __init__(self, options: LLMOptions, out_dir: Path, *, spent_usd: float = 0.0) -> None:
        self.options = options
        self.out_dir = out_dir
        self.model: ResolvedModel = resolve(options.llm, options.provider, options.models_file)
        if options.max_cost is not None and not self.model.priced:
            raise UserError(
                f"--max-cost needs prices for {self.model.name}: add input_price and output_price in a "
                "models file (--models)"
            )
        self.spent_before = spent_usd

    def __enter__(self) -> LLMSession:
        options = self.options
        self.cache = RequestCache(options.cache_path or self.out_dir / CACHE_FILE)
        self.caller = LLMCaller(
            None,
            self.model,
            self.cache,
            limiter=RateLimiter(options.rpm, options.tpm),
            budget=Budget(options.max_cost, spent=self.spent_before),
            retries=options.retries,
            backoff_base=options.backoff_base,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.cache.close()

    def run(
        self,
        items: Sequence[T],
        job: Callable[[T], Awaitable[Any]],
        out_path: Path,
        *,
        label: str,
        concurrency: int | None = None,
        offline: bool = False,
    ) -> JobsOutcome:
        """Run `job` over `items` concurrently, appending records to `out_path` in input order.

        `offline`: answer from the cache alone (after ingesting batch results); no endpoint is opened.
        """
        width = concurrency or self.options.concurrency or self.model.provider.default_concurrency
        if offline:
            return asyncio.run(run_jobs_to_file(None, items, job, out_path, concurrency=width, progress_label=label))
        with open_client(
            self.model,
            self.endpoints(),
            timeout=self.options.timeout,
            log_dir=self.out_dir,
            parallel=(self.options.tensor_parallel, self.options.data_parallel),
        ) as client:
            self.caller.client = client
            try:
                return asyncio.run(
                    run_jobs_to_file(client, items, job, out_path, concurrency=width, progress_label=label)
                )
            finally:
                self.caller.client = None

    def endpoints(self) -> list[str]:
        """The endpoints asked: --base-url (repeatable), else the models file's, else none (the
        provider's own, or a vLLM this run starts)."""
        return list(self.options.base_urls) or list(self.model.base_urls)

    def batch_endpoint(self) -> tuple[str, str | None]:
        """(base URL, API key) of the one endpoint a provider batch job goes to."""
        from crossmusim.llm.openai_compat import key_from_env

        urls = self.endpoints()
        provider = self.model.provider
        if len(urls) > 1:
            raise UserError("--submit-batch sends one batch job to one endpoint: give a single --base-url")
        url = urls[0] if urls else provider.default_base_url
        if url is None:
            raise UserError(
                "--submit-batch needs a batch API: use --provider openai or dashscope, or --base-url of a server "
                "with /v1/files and /v1/batches"
            )
        return url, key_from_env(provider.key_env, required=provider.key_required and not urls, provider=provider.name)

    def stats(self) -> dict[str, Any]:
        stats = self.caller.stats
        return {
            "requests_sent": stats.requests,
            "cache_hits": stats.cache_hits,
            "retries": stats.retries,
            "errors": stats.errors,
            "tokens_this_run": {"prompt": stats.usage.prompt_tokens, "completion": stats.usage.completion_tokens},
            "cost_this_run_usd": round(stats.cost_usd, 6),
            "budget_usd": self.options.max_cost,
            "spent_before_this_run_usd": round(self.spent_before, 6),
        }
