"""Model names users type -> provider, model id and price (USD per million tokens).

Built-in entries below; users add or override entries in a TOML file (`--models FILE`, else
$CROSSMUSIM_MODELS, else ~/.config/crossmusim/models.toml):

    [models.llama3-8b]
    provider = "vllm"
    model_id = "meta-llama/Meta-Llama-3-8B-Instruct"
    input_price = 0.0
    output_price = 0.0
    base_urls = ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]   # optional: servers to spread over

Prices are list prices at the time of writing; override them when they change.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from crossmusim.errors import UserError
from crossmusim.llm.providers import PROVIDERS, Provider


@dataclass(frozen=True)
class Offer:
    model_id: str
    input_price: float | None  # USD per 1M prompt tokens; None: unknown
    output_price: float | None
    base_urls: tuple[str, ...] = ()  # a models file's own endpoints (--base-url wins)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    default_provider: str
    offers: dict[str, Offer]  # provider -> how it serves this model


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    provider: Provider
    model_id: str
    input_price: float | None
    output_price: float | None
    base_urls: tuple[str, ...] = ()

    @property
    def priced(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    def cost(self, prompt_tokens: int, completion_tokens: int, discount: float = 1.0) -> float:
        if not self.priced:
            return 0.0
        assert self.input_price is not None and self.output_price is not None
        return discount * (prompt_tokens * self.input_price + completion_tokens * self.output_price) / 1e6


BUILTIN: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry("gpt-4o-mini", "openai", {"openai": Offer("gpt-4o-mini", 0.15, 0.60)}),
        ModelEntry("gpt-4o", "openai", {"openai": Offer("gpt-4o", 2.50, 10.00)}),
        ModelEntry("gpt-4.1-mini", "openai", {"openai": Offer("gpt-4.1-mini", 0.40, 1.60)}),
        ModelEntry(
            "qwen2-7b",
            "vllm",
            {
                "vllm": Offer("Qwen/Qwen2-7B-Instruct", 0.0, 0.0),
                "vllm-offline": Offer("Qwen/Qwen2-7B-Instruct", 0.0, 0.0),
                "dashscope": Offer("qwen2-7b-instruct", 0.14, 0.28),
                "openai-compatible": Offer("Qwen/Qwen2-7B-Instruct", 0.0, 0.0),
            },
        ),
        ModelEntry(
            "qwen2.5-7b",
            "vllm",
            {
                "vllm": Offer("Qwen/Qwen2.5-7B-Instruct", 0.0, 0.0),
                "vllm-offline": Offer("Qwen/Qwen2.5-7B-Instruct", 0.0, 0.0),
                "dashscope": Offer("qwen2.5-7b-instruct", 0.07, 0.14),
            },
        ),
        ModelEntry("qwen-plus", "dashscope", {"dashscope": Offer("qwen-plus", 0.40, 1.20)}),
        ModelEntry("qwen-turbo", "dashscope", {"dashscope": Offer("qwen-turbo", 0.05, 0.20)}),
    )
}


def user_models_file(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    if os.environ.get("CROSSMUSIM_MODELS"):
        return Path(os.environ["CROSSMUSIM_MODELS"])
    default = Path.home() / ".config" / "crossmusim" / "models.toml"
    return default if default.exists() else None


def load_user_models(path: Path) -> dict[str, ModelEntry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: models file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    entries: dict[str, ModelEntry] = {}
    for name, spec in data.get("models", {}).items():
        provider = spec.get("provider")
        if provider not in PROVIDERS or "model_id" not in spec:
            raise UserError(f"{path}: [models.{name}] needs provider (one of {', '.join(PROVIDERS)}) and model_id")
        urls = spec.get("base_urls", spec.get("base_url", []))
        urls = [urls] if isinstance(urls, str) else urls
        if not isinstance(urls, list) or not all(isinstance(u, str) and u for u in urls):
            raise UserError(f'{path}: [models.{name}] base_urls must be a list of URLs, e.g. ["http://HOST:8000/v1"]')
        offer = Offer(spec["model_id"], spec.get("input_price"), spec.get("output_price"), tuple(urls))
        entries[name] = ModelEntry(name, provider, {provider: offer})
    return entries


def resolve(name: str, provider: str | None = None, models_file: Path | None = None) -> ResolvedModel:
    """`--llm NAME [--provider P]` -> what to call and what it costs."""
    entries = dict(BUILTIN)
    path = user_models_file(models_file)
    if path is not None:
        entries.update(load_user_models(path))
    if provider is not None and provider not in PROVIDERS:
        raise UserError(f"unknown provider {provider!r}: choose one of {', '.join(PROVIDERS)}")
    entry = entries.get(name)
    if entry is None:
        if provider is None:
            raise UserError(
                f"unknown model {name!r}: choose one of {', '.join(sorted(entries))}, "
                "add it to a models file, or pass --provider to use it as a model id"
            )
        return ResolvedModel(name, PROVIDERS[provider], name, None, None)
    chosen = provider or entry.default_provider
    offer = entry.offers.get(chosen)
    if offer is None:
        raise UserError(f"{name} is not offered by {chosen}: use --provider {' or '.join(sorted(entry.offers))}")
    return ResolvedModel(
        name, PROVIDERS[chosen], offer.model_id, offer.input_price, offer.output_price, offer.base_urls
    )
