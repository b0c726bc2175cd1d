"""`build-dataset --engine ray` on a local Ray instance (2 CPUs): the per-record steps run as Ray Data
batch transforms, and the dataset is the local engine's, byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.curation.test_build_dataset import build, tree_digest

pytest.importorskip("ray.data", reason='the Ray engine needs pip install "crossmusim[ray]"')


@pytest.mark.slow
def test_the_ray_engine_writes_the_local_engines_dataset(curation_inputs):
    root = curation_inputs["root"]
    assert build(curation_inputs, root / "local").returncode == 0
    # Runs of 3 records: several Ray datasets, several batches, the order kept across all of them.
    proc = build(curation_inputs, root / "ray", "--engine", "ray", "--chunk-records", "3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    local, ray = tree_digest(root / "local"), tree_digest(root / "ray")
    assert local.keys() == ray.keys()
    assert {name for name in local if local[name] != ray[name]} == {"README.md", "stats.json"}  # the command line
    stats = [json.loads((root / name / "stats.json").read_text(encoding="utf-8")) for name in ("local", "ray")]
    for s in stats:
        s.pop("command"), s.pop("out")
    assert stats[0] == stats[1]  # every count, the masking leak check's included
    assert stats[0]["stats"]["by_step"]["llm_status"]["dropped_llm_abstained"] == 1
