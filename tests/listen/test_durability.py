"""Never lose an answer: `crossmusim listen serve` killed with SIGKILL after acknowledged answers, then
restarted, has every one of them and continues the rater where they stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from crossmusim.listen import store
from crossmusim.listen.raters import invite
from tests.conftest import REPO_ROOT
from tests.support.http import call, free_port, start_command

RATINGS = {"musical": 3, "acoustic": 4, "overall": 2}


def _serve(study, port: int) -> subprocess.Popen:
    return start_command(["listen", "serve", str(study), "--port", str(port)], port, study.parent / "serve.log")


@pytest.mark.slow  # two server processes started and killed
def test_answers_acknowledged_before_kill_9_are_all_there_after_a_restart(study):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (rater,) = invite(study, 1, base)
    api = f"{base}/api/r/{rater['token']}"
    server = _serve(study, port)
    try:
        _, first = call(f"{api}/next")
        for item in first["items"]:
            assert call(f"{api}/answer", {"trial": first["trial"], "slot": item["slot"], "ratings": RATINGS})[0] == 200
        _, second = call(f"{api}/next")
        assert call(f"{api}/answer", {"trial": second["trial"], "slot": second["items"][0]["slot"],
                                      "ratings": RATINGS})[0] == 200  # fmt: skip
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    acknowledged = len(first["items"]) + 1
    server = _serve(study, port)
    try:
        status, resumed = call(f"{api}/next")
        assert status == 200 and resumed["trial"] == second["trial"] and resumed["done"] == 1
        answered = next(i for i in resumed["items"] if i["slot"] == second["items"][0]["slot"])
        assert answered["ratings"] == RATINGS  # the rater sees the answer given before the kill
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    with store.opened(study) as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == acknowledged


def test_a_port_in_use_is_one_line(study):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "crossmusim.cli.app", "listen", "serve", str(study), "--port",
                               str(port)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"crossmusim: error: --host 127.0.0.1 --port {port}: cannot listen there (Address "
                                   "already in use): choose another --port")  # fmt: skip
