"""A trained tiny model on the small built dataset, shared by the evaluation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.small_dataset import build_small_dataset


@pytest.fixture(scope="session")
def eval_dataset(tmp_path_factory) -> Path:
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
