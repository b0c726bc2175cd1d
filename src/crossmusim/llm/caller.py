"""One place where LLM requests are made: cache first, then limits, budget and retries.

`generate` and LLM aspect extraction both call through here, so both are cached, resumable,
rate-limited and costed in the same way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from crossmusim.llm.base import (
    Completion,
    EndpointUnreachable,
    FatalLLMError,
    LLMClient,
    LLMError,
    Message,
    RequestParams,
    RetryableLLMError,
    Usage,
)
from crossmusim.llm.cache import RequestCache, request_key
from crossmusim.llm.limits import Budget, RateLimiter, estimate_tokens
from crossmusim.llm.registry import ResolvedModel
from crossmusim.retrying import backoff_delay

logger = logging.getLogger("crossmusim.llm")
UNREACHABLE_AFTER = 3  # failed connections, before any reply, that end a run


@dataclass
class CallStats:
    requests: int = 0  # sent to the provider
    cache_hits: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)  # of requests sent in this run
    cost_usd: float = 0.0  # of requests sent in this run


class LLMCaller:
    def __init__(
        self,
        client: LLMClient | None,
        model: ResolvedModel,
        cache: RequestCache,
        *,
        limiter: RateLimiter | None = None,
        budget: Budget | None = None,
        retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        self.client = client  # None: answer from the cache only (batch ingestion)
        self.model = model
        self.cache = cache
        self.limiter = limiter or RateLimiter()
        self.budget = budget or Budget(None)
        self.retries = retries
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.stats = CallStats()
        self.answered = False  # any reply at all: after one, connection errors are passing faults

    def key(self, messages: list[Message], prompt_id: str, params: RequestParams) -> str:
        return request_key(self.model.provider.name, self.model.model_id, prompt_id, params, messages)

    def cost(self, completion: Completion) -> float:
        discount = self.model.provider.batch_discount if completion.batch else 1.0
        return self.model.cost(completion.usage.prompt_tokens, completion.usage.completion_tokens, discount)

    def cached(self, messages: list[Message], prompt_id: str, params: RequestParams) -> Completion | None:
        return self.cache.get(self.key(messages, prompt_id, params))

    async def call(self, messages: list[Message], prompt_id: str, params: RequestParams) -> tuple[Completion, bool]:
        """The completion and whether it came from the cache. Raises LLMError or BudgetExceeded."""
        key = self.key(messages, prompt_id, params)
        hit = self.cache.get(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return hit, True
        if self.client is None:
            raise FatalLLMError("no cached reply for this request and no endpoint to ask")
        prompt_tokens = sum(estimate_tokens(m.content) for m in messages)
        worst = self.model.cost(prompt_tokens, params.max_tokens)
        self.budget.reserve(worst)
        actual = 0.0
        try:
            completion = await self._send(messages, params, prompt_tokens)
            actual = self.cost(completion)
        finally:
            self.budget.settle(worst, actual)
        self.cache.put(key, self.model.provider.name, self.model.model_id, prompt_id, completion)
        self.stats.usage += completion.usage
        self.stats.cost_usd += actual
        return completion, False

    async def _send(self, messages: list[Message], params: RequestParams, prompt_tokens: int) -> Completion:
        assert self.client is not None
        attempt = 0
        while True:
            await self.limiter.acquire(prompt_tokens + params.max_tokens)
            self.stats.requests += 1
            try:
                completion = await self.client.complete(messages, self.model.model_id, params)
                self.answered = True
                return completion
            except RetryableLLMError as exc:
                attempt += 1
                if exc.unreachable and not self.answered and attempt >= UNREACHABLE_AFTER:
                    where = getattr(self.client, "base_url", self.model.provider.name)
                    raise EndpointUnreachable(
                        f"cannot reach {where} (connection refused or no such host): check --base-url "
                        "and that the server is up"
                    ) from None
                reason = f"http_{exc.status}" if exc.status else "connection_or_timeout"
                self.stats.errors[reason] = self.stats.errors.get(reason, 0) + 1
                if attempt > self.retries:
                    raise
                self.stats.retries += 1
                delay = backoff_delay(attempt, self.backoff_base, self.backoff_max, exc.retry_after)
                logger.debug("retry %d in %.1f s: %s", attempt, delay, exc)  # counted in the summary
                await asyncio.sleep(delay)
            except LLMError as exc:
                self.stats.errors["fatal"] = self.stats.errors.get("fatal", 0) + 1
                raise exc
