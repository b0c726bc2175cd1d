"""What distinguishes one provider from another: endpoint, key variable, structured-output mode.

The clients themselves are the OpenAI-compatible one (`openai_compat.py`); the per-provider modules
(`openai_api.py`, `dashscope_api.py`, `vllm_api.py`) each register one `Provider` here.
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


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    PROVIDERS[provider.name] = provider
    return provider
