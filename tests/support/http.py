"""A tiny HTTP client for the web apps' tests: (status, JSON or text) of a request, errors included."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def call(
    url: str, body: object | None = None, *, raw: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, object]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    sent = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, payload, kind = reply.status, reply.read(), reply.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        status, payload, kind = error.code, error.read(), error.headers.get("content-type", "")
    if "json" in kind:
        return status, json.loads(payload)
    return status, payload if "audio" in kind else payload.decode("utf-8", "replace")
