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
SHARED = REPO_ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
# .ci/run sets it: with ../shared present, a test on shared data that skips is a failure, not a pass.
REQUIRE_SHARED = "CROSSMUSIM_REQUIRE_SHARED"
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


def skip_is_failure(fixtures: list[str], reason: str, shared_present: bool, required: bool) -> bool:
    """Whether a skipped test must count as failed: it reads ../shared (the realdata fixture, or a skip
    that names ../shared), ../shared is there, and the run requires it."""
    reads_shared = "realdata" in fixtures or "../shared" in reason or "real data not found" in reason
    return required and shared_present and reads_shared


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        required = os.environ.get(REQUIRE_SHARED) == "1"
        if skip_is_failure(list(getattr(item, "fixturenames", [])), reason, SHARED.is_dir(), required):
            report.outcome = "failed"
            report.longrepr = f"skipped although {SHARED} is present ({REQUIRE_SHARED}=1): {reason}"


# The small built dataset of the model, training and evaluation tests (tests/support/small_dataset.py).
@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    from tests.support.small_dataset import build_small_dataset

    return build_small_dataset(tmp_path_factory.mktemp("small-dataset"))


@pytest.fixture
def cache_env(tmp_path) -> dict[str, str]:
    return {"CROSSMUSIM_CACHE": str(tmp_path / "cache")}


# A trained tiny model on the small built dataset, shared by the evaluation and listening-test tests.
@pytest.fixture(scope="session")
def eval_dataset(tmp_path_factory) -> Path:
    from tests.support.small_dataset import build_small_dataset  # it imports run_cli from here

    return build_small_dataset(tmp_path_factory.mktemp("eval-dataset"))


@pytest.fixture(scope="session")
def eval_cache(tmp_path_factory) -> dict[str, str]:
    return {"CROSSMUSIM_CACHE": str(tmp_path_factory.mktemp("eval-cache"))}


@pytest.fixture(scope="session")
def tiny_run(eval_dataset, eval_cache, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval-run") / "run"
    proc = run_cli("train", "--dataset", str(eval_dataset), "--out", str(out), "--preset", "tiny", "--epochs", "2",
                   env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out
