"""Open a client for a resolved model: the provider's endpoint, --base-url, or a vLLM we start."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from crossmusim.errors import UserError
from crossmusim.llm.base import LLMClient
from crossmusim.llm.openai_compat import OpenAICompatibleClient, key_from_env
from crossmusim.llm.registry import ResolvedModel
from crossmusim.llm.vllm_launcher import VllmServer


@contextlib.contextmanager
def open_client(model: ResolvedModel, base_url: str | None, *, timeout: float, log_dir: Path) -> Iterator[LLMClient]:
    provider = model.provider
    if provider.name == "vllm-offline":
        from crossmusim.llm.vllm_offline import VllmOfflineClient

        yield VllmOfflineClient(model.model_id)
        return
    server: VllmServer | None = None
    url = base_url or provider.default_base_url
    if url is None and provider.name == "vllm":
        server = VllmServer(model.model_id, log_path=log_dir / "vllm-serve.log")
        url = server.start()
    if url is None:
        raise UserError(f"provider {provider.name} has no default endpoint: pass --base-url http://HOST:PORT/v1")
    key = key_from_env(provider.key_env, required=provider.key_required and base_url is None, provider=provider.name)
    client = OpenAICompatibleClient(
        provider.name,
        url,
        key,
        timeout=timeout,
        json_mode=provider.json_mode,
        health_check=server.check_alive if server is not None else None,
    )
    try:
        yield client
    finally:
        if server is not None:
            server.stop()
