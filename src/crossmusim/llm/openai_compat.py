"""A client for any OpenAI-compatible chat endpoint (OpenAI, DashScope compatible mode, vLLM...)."""

from __future__ import annotations

import os
from collections.abc import Callable

from crossmusim.llm.base import (
    Completion,
    FatalLLMError,
    LLMClient,
    Message,
    RequestParams,
    RetryableLLMError,
    Usage,
    redact,
)
from crossmusim.retrying import retry_after_seconds


class OpenAICompatibleClient(LLMClient):
    """`AsyncOpenAI` with the SDK's own retries off: the runner retries, honouring Retry-After."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = 60.0,
        json_mode: str = "json_schema",
        health_check: Callable[[], None] | None = None,
    ) -> None:
        self.provider = provider
        self.health_check = health_check  # raises when a server we started has died
        self.base_url = base_url
        self.json_mode = json_mode  # json_schema | json_object | none
        self._secret = api_key
        from openai import AsyncOpenAI  # imported on use: the SDK takes 0.6 s to import, most commands never call it

        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "EMPTY",
            max_retries=0,
            timeout=timeout,
        )

    @staticmethod
    def response_format_for(json_mode: str, params: RequestParams) -> dict | None:
        if params.json_schema is None or json_mode == "none":
            return None
        if json_mode == "json_object":
            return {"type": "json_object"}
        return {"type": "json_schema", "json_schema": {"name": "reply", "schema": params.json_schema, "strict": True}}

    async def complete(self, messages: list[Message], model: str, params: RequestParams) -> Completion:
        import openai

        kwargs: dict = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": params.temperature,
            "max_tokens": params.max_tokens,
        }
        if params.seed is not None:
            kwargs["seed"] = params.seed
        response_format = self.response_format_for(self.json_mode, params)
        if response_format is not None:
            kwargs["response_format"] = response_format
        try:
            reply = await self._client.chat.completions.create(**kwargs)
        except openai.APIStatusError as exc:
            message = self._describe(exc)
            status = exc.status_code
            if status == 429 or status >= 500 or status == 408:
                retry_after = retry_after_seconds(exc.response.headers.get("retry-after"))
                raise RetryableLLMError(message, retry_after=retry_after, status=status) from None
            raise FatalLLMError(message) from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            if self.health_check is not None:
                self.health_check()
            refused = isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError)
            raise RetryableLLMError(self._describe(exc), unreachable=refused) from None
        choice = reply.choices[0]
        usage = Usage(reply.usage.prompt_tokens, reply.usage.completion_tokens) if reply.usage else Usage()
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "",
            usage=usage,
            model=reply.model or model,
        )

    def _describe(self, exc: Exception) -> str:
        status = getattr(exc, "status_code", None)
        what = f"HTTP {status}" if status else type(exc).__name__
        return redact(f"{self.provider} at {self.base_url}: {what}: {exc}", [self._secret])

    async def aclose(self) -> None:
        await self._client.close()


def key_from_env(variable: str | None, *, required: bool, provider: str) -> str | None:
    """API keys come only from the environment, never from flags or files that end up in logs."""
    if variable is None:
        return None
    key = os.environ.get(variable)
    if required and not key:
        from crossmusim.errors import UserError

        raise UserError(f"{provider} needs an API key: set the environment variable {variable}")
    return key
