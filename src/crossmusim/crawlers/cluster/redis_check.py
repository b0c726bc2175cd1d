"""Fail early, in one line, when the Redis server of a shared crawl cannot be used."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from crossmusim.errors import UserError
from crossmusim.extras import require


def redacted(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def ping_redis(url: str) -> None:
    redis = require("redis", "cluster")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    except ValueError as exc:
        raise UserError(f"--redis-url {redacted(url)!r} is not a Redis URL ({exc}): use redis://HOST:6379/0") from exc
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        raise UserError(
            f"cannot reach Redis at {redacted(url)} ({exc}): start redis-server there, or fix --redis-url"
        ) from exc
    finally:
        client.close()
