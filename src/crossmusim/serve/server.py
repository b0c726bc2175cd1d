"""Running the similar-songs service: one process (the app built here), or `--workers N` uvicorn worker
processes, each building the app from the configuration handed over in the environment."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from crossmusim.asgi import bound_socket, running_app, serve_app
from crossmusim.extras import require
from crossmusim.serve.app import ServeConfig, create_app

CONFIG_ENV = "CROSSMUSIM_SERVE_CONFIG"


def app_from_env():
    """The app of a uvicorn worker process (`--workers N`)."""
    return create_app(ServeConfig(**json.loads(os.environ[CONFIG_ENV])))


def serve(config: ServeConfig, host: str, port: int, workers: int = 1, said: Callable[[str], None] | None = None):
    if workers <= 1:
        serve_app(create_app(config), host, port, said, "serve")
        return
    create_app(config)  # every check (indexes, events store) once, here, before the workers start
    bound_socket(host, port).close()  # a port in use: one line now, not one per worker
    uvicorn = require("uvicorn", "serve")
    os.environ[CONFIG_ENV] = json.dumps(asdict(config))
    if said is not None:
        said(f"http://{host}:{port}")
    uvicorn.run("crossmusim.serve.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning")  # fmt: skip


@contextmanager
def running(config: ServeConfig) -> Iterator[str]:
    with running_app(create_app(config), "serve") as url:
        yield url
