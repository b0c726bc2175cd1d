"""What the two web apps (the listening test's, the similar-songs service's) share: one-line JSON errors
(`ApiError` and the handlers that turn every 4xx into `{"error": ...}`), and running them on uvicorn, in
the foreground on a port checked first (a port in use is one line, not a traceback), or on a free
loopback port in a thread of this process for as long as a block needs it (simulations and tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crossmusim.errors import UserError
from crossmusim.extras import require


class ApiError(Exception):
    """A client's mistake: its status and the one line its JSON reply says."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def json_errors(app: Any, extra: str) -> None:
    """Every error reply of `app` as one-line JSON: `ApiError`s, invalid parameters (422), unknown paths
    (404) and methods (405)."""
    fastapi = require("fastapi", extra)
    responses = require("fastapi.responses", extra)

    def reply(status: int, message: str):
        return responses.JSONResponse({"error": message}, status_code=status)

    app.add_exception_handler(ApiError, lambda request, exc: reply(exc.status, exc.message))
    app.add_exception_handler(404, lambda request, exc: reply(404, "not found"))
    app.add_exception_handler(405, lambda request, exc: reply(405, "method not allowed"))

    def invalid(request, exc):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
        return reply(422, f"{where}: {first.get('msg', 'invalid')}")

    app.add_exception_handler(fastapi.exceptions.RequestValidationError, invalid)


def bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}): choose another --port"
        ) from None
    return sock


def serve_app(app: Any, host: str, port: int, said: Callable[[str], None] | None = None, extra: str = "") -> None:
    """Serve `app` until interrupted; `said(url)` once the port is taken."""
    uvicorn = require("uvicorn", extra)
    sock = bound_socket(host, port)
    if said is not None:
        said(f"http://{host}:{port}")
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running_app(app: Any, extra: str = "") -> Iterator[str]:
    """`app` on 127.0.0.1 at a free port; yields its base URL, stops it after the block."""
    uvicorn = require("uvicorn", extra)
    sock = bound_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise UserError("the web app did not start on a loopback port")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
