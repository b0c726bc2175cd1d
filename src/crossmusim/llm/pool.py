"""Several OpenAI-compatible endpoints as one client: one `vllm serve` per GPU or node, say.

Each request goes to the healthy endpoint with the fewest requests in flight (ties: the one used
least). An endpoint that fails with a connection error, a timeout or a 5xx is taken out for a
cool-down (doubling while it keeps failing, from `cooldown` up to `max_cooldown` seconds) and the
error goes back to the caller, whose retry lands on another endpoint; when the cool-down ends the
endpoint gets requests again, and one answer puts it back for good. A 429 slows nothing down but the
request (the caller honours Retry-After); a fatal error (bad key, unknown model) is the same on every
endpoint and passes straight through. With every endpoint cooling down, the one back soonest is tried.

The pool sits under the caller, so the request cache, rate limits and budget are shared by all
endpoints, as they are by one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from crossmusim.llm.base import Completion, LLMClient, Message, RequestParams, RetryableLLMError


@dataclass
class Endpoint:
    client: LLMClient
    url: str
    in_flight: int = 0
    sent: int = 0
    answered: int = 0
    failures: int = 0  # in a row
    down_until: float = 0.0

    def stats(self) -> dict[str, object]:
        return {
            "url": self.url,
            "sent": self.sent,
            "answered": self.answered,
            "down": self.down_until > time.monotonic(),
        }


class EndpointPool(LLMClient):
    def __init__(
        self, clients: Sequence[LLMClient], urls: Sequence[str], *, cooldown: float = 5.0, max_cooldown: float = 120.0
    ) -> None:
        if not clients:
            raise ValueError("an endpoint pool needs at least one endpoint")
        self.endpoints = [Endpoint(c, u) for c, u in zip(clients, urls, strict=True)]
        self.provider = clients[0].provider
        self.base_url = ", ".join(urls)  # how errors name where the pool sends
        self.cooldown, self.max_cooldown = cooldown, max_cooldown

    def pick(self) -> Endpoint:
        now = time.monotonic()
        healthy = [e for e in self.endpoints if e.down_until <= now]
        if not healthy:
            return min(self.endpoints, key=lambda e: e.down_until)
        return min(healthy, key=lambda e: (e.in_flight, e.sent))

    async def complete(self, messages: list[Message], model: str, params: RequestParams) -> Completion:
        endpoint = self.pick()
        endpoint.in_flight += 1
        endpoint.sent += 1
        try:
            completion = await endpoint.client.complete(messages, model, params)
        except RetryableLLMError as exc:
            if exc.status == 429:
                raise  # busy, not broken: the caller waits as the server asks
            endpoint.failures += 1
            wait = min(self.max_cooldown, self.cooldown * 2 ** (endpoint.failures - 1))
            endpoint.down_until = time.monotonic() + wait
            if any(e.down_until <= time.monotonic() for e in self.endpoints):
                # Another endpoint is up: retry there at once. "Unreachable" (which stops a run that
                # never got an answer) only while no endpoint has answered yet.
                unreachable = exc.unreachable and not any(e.answered for e in self.endpoints)
                raise RetryableLLMError(str(exc), retry_after=0.0, status=exc.status, unreachable=unreachable) from None
            raise
        finally:
            endpoint.in_flight -= 1
        endpoint.answered += 1
        endpoint.failures, endpoint.down_until = 0, 0.0
        return completion

    def stats(self) -> list[dict[str, object]]:
        return [e.stats() for e in self.endpoints]

    async def aclose(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.client.aclose()
