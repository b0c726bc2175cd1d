"""The one LLM client interface: messages in; text, finish reason and token usage out.

Providers live one per module and only adapt this interface; retries, rate limits, caching and costs
are the runner's business, so every provider gets them the same way.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field
from typing import Any

from crossmusim.errors import CrossmusimError, UserError


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __iadd__(self, other: Usage) -> Usage:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        return self


@dataclass
class Completion:
    text: str
    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    batch: bool = False  # answered through a batch API (billed at the batch discount)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        return cls(
            text=data["text"],
            finish_reason=data["finish_reason"],
            usage=Usage(**data.get("usage", {})),
            model=data.get("model", ""),
            batch=bool(data.get("batch", False)),
        )


@dataclass(frozen=True)
class RequestParams:
    """Sampling parameters; part of the cache key."""

    temperature: float = 0.2
    max_tokens: int = 700
    seed: int | None = 0
    json_schema: dict[str, Any] | None = None  # ask for structured output when the provider can

    def key(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "json_schema": self.json_schema,
        }


@dataclass(frozen=True)
class PromptRequest:
    """One request as the cache keys it: messages, the prompt template's id and sampling parameters."""

    messages: list[Message]
    prompt_id: str
    params: RequestParams


class LLMError(CrossmusimError):
    """A request failed; the message never contains a secret."""


class RetryableLLMError(LLMError):
    """Worth another try later: 429, 5xx, timeouts, dropped connections."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None, unreachable: bool = False
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.unreachable = unreachable  # no connection at all (refused, no such host), not a slow reply


class EndpointUnreachable(UserError):
    """The endpoint never answered a single request: stop the run (no record is written for it)."""


class FatalLLMError(LLMError):
    """Retrying will not help: bad key, unknown model, malformed request."""


def redact(text: str, secrets: list[str | None]) -> str:
    """Remove secrets (and their common 8-character prefixes) from text meant for logs or errors."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***").replace(secret[:8], "***")
    return text


class LLMClient(abc.ABC):
    provider: str = ""

    @abc.abstractmethod
    async def complete(self, messages: list[Message], model: str, params: RequestParams) -> Completion:
        """One chat completion; raises `RetryableLLMError` or `FatalLLMError`."""

    async def aclose(self) -> None:  # noqa: B027 (optional hook)
        pass
