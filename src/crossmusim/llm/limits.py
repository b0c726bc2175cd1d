"""Request-rate, token-rate and cost limits for concurrent LLM calls."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from crossmusim.chinese import CJK_OR_COMPAT as _CJK


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: a CJK character is about one token, English ~4 chars."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk) // 4 + 1


class RateLimiter:
    """At most `rpm` requests and `tpm` tokens in any 60-second window (None: unlimited)."""

    def __init__(self, rpm: int | None = None, tpm: int | None = None, window: float = 60.0) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self._events: deque[tuple[float, int]] = deque()
        self._tokens = 0
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        if self.rpm is None and self.tpm is None:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._events and self._events[0][0] <= now - self.window:
                    self._tokens -= self._events.popleft()[1]
                too_many = self.rpm is not None and len(self._events) >= self.rpm
                too_big = self.tpm is not None and self._events and self._tokens + tokens > self.tpm
                if not too_many and not too_big:
                    self._events.append((now, tokens))
                    self._tokens += tokens
                    return
                await asyncio.sleep(self._events[0][0] + self.window - now + 0.001)


class BudgetExceeded(Exception):
    """The next request could cross --max-cost."""


class Budget:
    """Spent cost plus worst-case reservations of requests in flight stay within `limit`.

    `spent` starts at what earlier runs into the same output already cost, so the limit is the total
    and a rerun after a stop cannot spend it again.
    """

    def __init__(self, limit: float | None, spent: float = 0.0) -> None:
        self.limit = limit
        self.spent = spent
        self.reserved = 0.0

    def reserve(self, worst_case: float) -> None:
        if self.limit is not None and self.spent + self.reserved + worst_case > self.limit:
            raise BudgetExceeded(f"spent ${self.spent:.4f}; the next request could cross ${self.limit:.4f}")
        self.reserved += worst_case

    def settle(self, worst_case: float, actual: float) -> None:
        self.reserved -= worst_case
        self.spent += actual
