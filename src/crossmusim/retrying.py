"""Backoff arithmetic shared by the crawler and the LLM runner."""

from __future__ import annotations

import email.utils
import time


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Wait before retry `attempt` (1-based): the server's Retry-After, else base * 2**(attempt-1)."""
    if retry_after is not None:
        return min(retry_after, cap)
    return min(base * 2 ** (attempt - 1), cap)
