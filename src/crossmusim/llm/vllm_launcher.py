"""Start `vllm serve MODEL` when no --base-url is given and a `vllm` executable is on PATH.

crossmusim waits for the server's /health endpoint, uses it, and stops it at the end. vllm itself is
never a dependency (CUDA-only, and it pins its own torch): it must already be installed on the box.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

from crossmusim.errors import UserError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class VllmServer:
    def __init__(
        self,
        model_id: str,
        *,
        log_path: Path,
        port: int | None = None,
        startup_timeout: float = 900.0,
        extra_args: list[str] | None = None,
        executable: str | None = None,
    ) -> None:
        self.model_id = model_id
        self.port = port or free_port()
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.extra_args = extra_args or []
        self.executable = executable or shutil.which("vllm")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> str:
        if self.executable is None:
            raise UserError(
                "this model is served by vLLM and no --base-url was given, but there is no `vllm` "
                f"executable on PATH: run `vllm serve {self.model_id}` on a GPU machine and pass "
                "--base-url http://HOST:8000/v1"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            self.executable,
            "serve",
            self.model_id,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *self.extra_args,
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_healthy()
        return self.base_url

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        url = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise UserError(
                    f"vllm serve exited with code {code} before it was ready; "
                    f"its log ({self.log_path}) ends with: {self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise UserError(f"vllm serve did not become healthy within {self.startup_timeout:.0f} s (log: {self.log_path})")

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise UserError(
                f"vllm serve died (exit code {self.process.returncode}); "
                f"its log ({self.log_path}) ends with: {self._log_tail()}"
            )

    def _log_tail(self, lines: int = 3) -> str:
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as handle:
                tail = deque((line.rstrip() for line in handle if line.strip()), maxlen=lines)
        except FileNotFoundError:
            return "(no log)"
        return " | ".join(tail) or "(empty log)"

    def stop(self, grace: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # vllm starts worker processes of its own
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> VllmServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
