"""`ab-simulate`: the real service driven over HTTP by simulated listeners, then `ab-report` on what it
stored; an arm whose neighbours share the listeners' tags gets more plays."""

from __future__ import annotations

import json

import pytest

from crossmusim.evaluation import EmbedConfig, embed
from crossmusim.evaluation.embeddings_io import read_meta
from crossmusim.evaluation.retrieval import build_pool, save_pool
from tests.conftest import run_cli
from tests.support.small_dataset import build_small_dataset


@pytest.fixture(scope="module")
def two_arms(tmp_path_factory) -> dict:
    pytest.importorskip("faiss")
    root = tmp_path_factory.mktemp("ab-arms")
    dataset = build_small_dataset(root)
    arms = {}
    for name in ("random", "dsp"):
        vectors = root / f"{name}.npz"
        done = embed(EmbedConfig(out=vectors, baseline=name, dataset=dataset, split="train", cache_dir=root / "cache"))
        meta = read_meta(vectors.with_name(vectors.stem + ".tracks.jsonl"))
        arms[name] = save_pool(build_pool(done.ids, done.vectors, meta), root / f"index-{name}")
    return {"dataset": dataset, **arms}


@pytest.mark.slow  # a service and 300 simulated listeners over HTTP (10-30 s)
def test_simulated_listeners_use_the_service_and_the_closer_arm_gets_more_plays(two_arms, tmp_path):
    out = tmp_path / "ab"
    proc = run_cli("ab-simulate", "--dataset", str(two_arms["dataset"]), "--split", "train", "--arm",
                   f"random={two_arms['random']}", "--arm", f"dsp={two_arms['dsp']}", "--users", "300", "--days", "4",
                   "--out", str(out), timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "A/B test (SIMULATED listeners)" in proc.stdout and "SIMULATED listeners; report:" in proc.stdout
    summary = json.loads((out / "report" / "ab.json").read_text())
    assert summary["simulated"] and sum(a["users"] for a in summary["arms"].values()) <= 300
    assert summary["srm_p"] > 0.001  # users reached the arms as the even split says
    lift = summary["lift"]["plays_per_user"]["dsp"]
    assert lift["estimate"] > 0 and lift["ci"][0] > 0  # DSP's neighbours share the sound kinds' tags
    import sqlite3

    with sqlite3.connect(out / "events.sqlite") as conn:
        requests = conn.execute("SELECT COUNT(*) FROM requests WHERE endpoint = 'playlist'").fetchone()[0]
        impressions = conn.execute("SELECT COUNT(*) FROM events WHERE event = 'impression'").fetchone()[0]
    assert impressions == 10 * requests and sum(a["requests"] for a in summary["arms"].values()) == requests
