import asyncio
import time

import pytest

from crossmusim.errors import UserError
from crossmusim.llm.base import Completion, Message, RequestParams, Usage
from crossmusim.llm.cache import RequestCache, request_key
from crossmusim.llm.limits import Budget, BudgetExceeded, RateLimiter, estimate_tokens
from crossmusim.llm.registry import resolve


def test_builtin_models_and_provider_override():
    mini = resolve("gpt-4o-mini")
    assert (mini.provider.name, mini.model_id, mini.provider.key_env) == ("openai", "gpt-4o-mini", "OPENAI_API_KEY")
    assert mini.cost(1_000_000, 1_000_000) == pytest.approx(0.75)
    qwen = resolve("qwen2-7b")
    assert (qwen.provider.name, qwen.model_id) == ("vllm", "Qwen/Qwen2-7B-Instruct")
    dash = resolve("qwen2-7b", "dashscope")
    assert (dash.model_id, dash.provider.key_env, dash.provider.json_mode) == (
        "qwen2-7b-instruct",
        "DASHSCOPE_API_KEY",
        "json_object",
    )


def test_unknown_names_and_providers():
    with pytest.raises(UserError, match="unknown model 'llama'"):
        resolve("llama")
    free = resolve("my-model", "vllm")
    assert free.model_id == "my-model" and not free.priced
    with pytest.raises(UserError, match="unknown provider 'azure'"):
        resolve("gpt-4o-mini", "azure")
    with pytest.raises(UserError, match="gpt-4o-mini is not offered by dashscope"):
        resolve("gpt-4o-mini", "dashscope")


def test_user_models_file(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text(
        '[models.llama3]\nprovider = "vllm"\nmodel_id = "meta-llama/Meta-Llama-3-8B-Instruct"\n'
        "input_price = 0.1\noutput_price = 0.2\n",
        encoding="utf-8",
    )
    model = resolve("llama3", models_file=path)
    assert model.model_id == "meta-llama/Meta-Llama-3-8B-Instruct" and model.cost(10**6, 10**6) == pytest.approx(0.3)
    path.write_text("[models.x]\nprovider = 'nope'\n", encoding="utf-8")
    with pytest.raises(UserError, match="needs provider"):
        resolve("x", models_file=path)


def test_cache_key_depends_on_everything_that_changes_the_answer():
    messages = [Message("system", "s"), Message("user", "u")]
    base = request_key("vllm", "m", "p1", RequestParams(), messages)
    assert base == request_key("vllm", "m", "p1", RequestParams(), list(messages))
    assert (
        len(
            {
                base,
                request_key("openai", "m", "p1", RequestParams(), messages),
                request_key("vllm", "m2", "p1", RequestParams(), messages),
                request_key("vllm", "m", "p2", RequestParams(), messages),
                request_key("vllm", "m", "p1", RequestParams(temperature=0.7), messages),
                request_key("vllm", "m", "p1", RequestParams(), [Message("system", "s"), Message("user", "v")]),
            }
        )
        == 6
    )


def test_cache_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = RequestCache(path)
    completion = Completion("{}", "stop", Usage(10, 5), "m")
    cache.put("k", "vllm", "m", "p", completion)
    cache.close()
    again = RequestCache(path)
    assert again.get("k") == completion and again.get("other") is None
    assert (again.hits, again.misses, len(again)) == (1, 1, 1)


def test_rate_limiter_holds_requests_beyond_rpm():
    async def go():
        limiter = RateLimiter(rpm=2, window=0.3)
        start = time.monotonic()
        for _ in range(3):
            await limiter.acquire(1)
        return time.monotonic() - start

    assert asyncio.run(go()) >= 0.29


def test_token_limiter():
    async def go():
        limiter = RateLimiter(tpm=100, window=0.3)
        start = time.monotonic()
        await limiter.acquire(80)
        await limiter.acquire(80)
        return time.monotonic() - start

    assert asyncio.run(go()) >= 0.29


def test_budget_refuses_what_could_cross_it():
    budget = Budget(1.0)
    budget.reserve(0.6)
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.5)
    budget.settle(0.6, 0.2)
    budget.reserve(0.5)
    assert budget.spent == pytest.approx(0.2)


def test_token_estimate_counts_cjk_per_character():
    assert estimate_tokens("晴天晴天") == 5 and estimate_tokens("a" * 40) == 11
