"""What distinguishes one provider from another: endpoint, key variable, structured-output mode.

Every provider is reached through the one OpenAI-compatible client (`openai_compat.py`), except
`vllm-offline`, which runs `vllm.LLM` in-process (`vllm_offline.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    name: str
    default_base_url: str | None  # None: must be given (or started, for vLLM)
    key_env: str | None
    key_required: bool
    json_mode: str  # json_schema | json_object | none
    batch_discount: float = 0.5  # price factor of the provider's batch API
    default_concurrency: int = 8  # requests in flight when --concurrency is not given


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        # OpenAI itself: gpt-4o-mini, gpt-4o...; json_schema structured output.
        Provider(
            name="openai",
            default_base_url="https://api.openai.com/v1",
            key_env="OPENAI_API_KEY",
            key_required=True,
            json_mode="json_schema",
        ),
        # Alibaba Cloud DashScope in OpenAI-compatible mode (qwen2-7b-instruct, qwen-plus...). It takes
        # response_format json_object, not json_schema, so the schema is stated in the prompt and
        # validated here. `--base-url https://dashscope-intl.aliyuncs.com/compatible-mode/v1` for the
        # international endpoint.
        Provider(
            name="dashscope",
            default_base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
            key_env="DASHSCOPE_API_KEY",
            key_required=True,
            json_mode="json_object",
        ),
        # A vLLM OpenAI-compatible server (`vllm serve Qwen/Qwen2-7B-Instruct`): no default endpoint;
        # `--base-url http://HOST:8000/v1`, or crossmusim starts `vllm serve` when `vllm` is on PATH
        # (`vllm_launcher.py`). The key is optional (matching `vllm serve --api-key`).
        Provider(
            name="vllm",
            default_base_url=None,
            key_env="VLLM_API_KEY",
            key_required=False,
            json_mode="json_schema",
            batch_discount=1.0,
        ),
        # Any other OpenAI-compatible server: llama.cpp's llama-server, Ollama, LM Studio, the test
        # server in crossmusim.testing...
        Provider(
            name="openai-compatible",
            default_base_url=None,
            key_env="OPENAI_COMPATIBLE_API_KEY",
            key_required=False,
            json_mode="json_object",
            batch_discount=1.0,
        ),
        # In-process `vllm.LLM` batch inference on the machine itself (see vllm_offline.py).
        Provider(
            name="vllm-offline",
            default_base_url=None,
            key_env=None,
            key_required=False,
            json_mode="json_schema",
            batch_discount=1.0,
            default_concurrency=256,  # offline batching needs full batches, not 8 requests at a time
        ),
    )
}
