"""One small study shared by the listening-test tests: the small built dataset's training split as the
pool, a tiny trained model beside the random and DSP baselines, two-second excerpts. Each test that
writes gets its own copy of the study folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossmusim.listen.study import StudyConfig, create_study


@pytest.fixture(scope="session")
def listen_pool(eval_dataset, tiny_run, eval_cache) -> dict[str, Path]:
    """The evaluation tests' small dataset and tiny run (tests/conftest.py), trained once per session."""
    return {"dataset": eval_dataset, "run": tiny_run, "cache": Path(eval_cache["CROSSMUSIM_CACHE"])}


@pytest.fixture(scope="session")
def made_study(listen_pool, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("listen-study") / "study"
    config = StudyConfig(out=out, models=[listen_pool["run"]], baselines=["random", "dsp"],
                         dataset=listen_pool["dataset"], split="train", queries=6, top=2, excerpt_seconds=2.0,
                         cache_dir=listen_pool["cache"])  # fmt: skip
    return out, create_study(config)


@pytest.fixture()
def study(made_study, tmp_path) -> Path:
    """A fresh copy of the shared study (no raters yet)."""
    return Path(shutil.copytree(made_study[0], tmp_path / "study"))
