"""Shared fixtures: real data paths, the loopback encyclopedia site (started once per session), and a
helper that runs the real `crossmusim` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossmusim.demo.site import LocalSite, SiteSpec, demo_site_dir
from crossmusim.testing.fake_llm_server import FakeLLMServer

REPO_ROOT = Path(__file__).resolve().parents[1]
REALDATA = REPO_ROOT.parent / "shared" / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not found at {REALDATA} (see the README: ../shared/realdata)")
    return REALDATA


@pytest.fixture(scope="session")
def demo_spec() -> SiteSpec:
    return SiteSpec.from_dir(demo_site_dir())


@pytest.fixture(scope="session")
def _site_server(demo_spec: SiteSpec) -> Iterator[LocalSite]:
    site = LocalSite(demo_spec)
    site.start()
    yield site
    site.stop()


@pytest.fixture
def site(_site_server: LocalSite) -> LocalSite:
    """The demo site on loopback, with fault counters and hit counts reset for this test."""
    _site_server.reset()
    return _site_server


@pytest.fixture(scope="session")
def _llm_server() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer(model="fake-llm")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llm(_llm_server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The fake OpenAI-compatible server, counters reset; set `llm.rules` to inject faults."""
    _llm_server.reset()
    yield _llm_server
    _llm_server.rules = []
    _llm_server.latency = 0.0
    _llm_server.facts = {}


def run_cli(
    *args: str, timeout: float = 120, check: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed command line exactly as a user would."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "crossmusim.cli.app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO_ROOT,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"crossmusim {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc
