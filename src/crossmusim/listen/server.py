"""Running the listening test's app: in the foreground (`listen serve`), or on a free loopback port in a
thread of this process for as long as a block needs it (`listen simulate` without `--url`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from crossmusim.asgi import running_app, serve_app
from crossmusim.listen.app import create_app


def serve(study: Path, host: str = "127.0.0.1", port: int = 8000, said: Callable[[str], None] | None = None) -> None:
    """Serve `study` until interrupted; `said(url)` is called once the study is checked and the port taken."""
    serve_app(create_app(study), host, port, said, "listen")


@contextmanager
def running(study: Path) -> Iterator[str]:
    """The study's app on 127.0.0.1 at a free port; yields its base URL, stops it after the block."""
    with running_app(create_app(study), "listen") as url:
        yield url
