"""A tiny HTTP client for the web apps' tests: (status, JSON or text) of a request, errors included."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_command(args: list[str], port: int, log: Path) -> subprocess.Popen:
    """`crossmusim ARGS` in a process of its own, once it accepts connections on `port` (output in `log`)."""
    from tests.conftest import REPO_ROOT

    with log.open("ab") as handle:
        server = subprocess.Popen([sys.executable, "-m", "crossmusim.cli.app", *args], cwd=REPO_ROOT, stdout=handle,
                                  stderr=handle)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"crossmusim {args[0]} did not start: {log.read_text(errors='replace')[-500:]}")
        time.sleep(0.1)
