"""Open a client for a resolved model: the provider's endpoint, --base-url, or a vLLM we start."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from crossmusim.errors import UserError
from crossmusim.llm.base import LLMClient
from crossmusim.llm.openai_compat import OpenAICompatibleClient, key_from_env
from crossmusim.llm.pool import EndpointPool
from crossmusim.llm.registry import ResolvedModel
from crossmusim.llm.vllm_launcher import VllmServer


@contextlib.contextmanager
def open_client(
    model: ResolvedModel,
    base_urls: Sequence[str],
    *,
    timeout: float,
    log_dir: Path,
    parallel: tuple[int, int] = (1, 1),
) -> Iterator[LLMClient]:
    """One client for `base_urls` (none: the provider's endpoint, or a vLLM this run starts); several
    give an `EndpointPool` spreading requests over them.
    `parallel`: (tensor, data) parallel sizes for a vLLM this run starts (vllm-offline: tensor only)."""
    provider = model.provider
    tensor, data = parallel
    urls = list(base_urls)
    if len(urls) > 1:
        if provider.name == "vllm-offline":
            raise UserError("--base-url is not used with --provider vllm-offline: drop it")
        key = key_from_env(provider.key_env, required=False, provider=provider.name)
        clients = [OpenAICompatibleClient(provider.name, url, key, timeout=timeout, json_mode=provider.json_mode)
                   for url in urls]  # fmt: skip
        pool = EndpointPool(clients, urls)
        try:
            yield pool
        finally:
            log_pool(pool)
        return
    base_url = urls[0] if urls else None
    if provider.name == "vllm-offline":
        from crossmusim.llm.vllm_offline import VllmOfflineClient

        if data > 1:
            raise UserError(
                "--data-parallel-size needs vLLM servers: use --provider vllm (it starts `vllm serve` with it), "
                "or run one `vllm serve` per GPU and repeat --base-url"
            )
        yield VllmOfflineClient(model.model_id, llm_kwargs={"tensor_parallel_size": tensor} if tensor > 1 else None)
        return
    server: VllmServer | None = None
    url = base_url or provider.default_base_url
    if url is None and provider.name == "vllm":
        sizes = ["--tensor-parallel-size", str(tensor)] if tensor > 1 else []
        sizes += ["--data-parallel-size", str(data)] if data > 1 else []
        server = VllmServer(model.model_id, log_path=log_dir / "vllm-serve.log", extra_args=sizes)
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


def log_pool(pool: EndpointPool) -> None:
    logger = logging.getLogger("crossmusim.llm")
    for endpoint in pool.stats():
        logger.info(
            "endpoint %s: %s requests sent, %s answered", endpoint["url"], endpoint["sent"], endpoint["answered"]
        )
