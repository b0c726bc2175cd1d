"""Running the listening test's app: in the foreground (`listen serve`), or on a free loopback port in a
thread of this process for as long as a block needs it (`listen simulate` without `--url`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crossmusim.errors import UserError
from crossmusim.extras import require
from crossmusim.listen.app import create_app


def serve(study: Path, host: str = "127.0.0.1", port: int = 8000, said=None) -> None:
    """Serve `study` until interrupted; `said(url)` is called once the study is checked and the port taken."""
    uvicorn = require("uvicorn", "listen")
    app = create_app(study)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}): choose another --port"
        ) from None
    if said is not None:
        said(f"http://{host}:{port}")
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running(study: Path) -> Iterator[str]:
    """The study's app on 127.0.0.1 at a free port; yields its base URL, stops it after the block."""
    uvicorn = require("uvicorn", "listen")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(study), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise UserError("the study's web app did not start on a loopback port")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
