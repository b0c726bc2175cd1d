"""What evaluate says besides its figures (`evaluation.pool_checks`, `queries.match_queries`): the pool's
tracks a model trained on, collapsed embeddings, the reasons for `-` cells, queries that match nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.embeddings_io import write_embeddings
from crossmusim.evaluation.metrics import mean_pairwise_cosine
from crossmusim.evaluation.pool_checks import collapse_warning, dash_reasons, tracks_in_training
from crossmusim.evaluation.queries import match_queries
from crossmusim.evaluation.whole_tracks import Track
from tests.conftest import run_cli


def test_mean_pairwise_cosine_is_the_mean_over_distinct_pairs():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(7, 5)) * rng.uniform(0.5, 3, size=(7, 1))  # any lengths: cosines
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ unit.T
    expected = (cosines.sum() - np.trace(cosines)) / (7 * 6)
    assert mean_pairwise_cosine(vectors) == pytest.approx(expected)
    assert mean_pairwise_cosine(np.eye(4)) == pytest.approx(0.0)
    near_one = np.ones((5, 3)) + 1e-3 * rng.normal(size=(5, 3))
    assert collapse_warning("m", near_one).startswith("m's embeddings have collapsed: mean pairwise cosine 1.000")
    assert collapse_warning("m", vectors) is None


def test_tracks_in_training_are_found_by_their_audio_content(tmp_path):
    (tmp_path / "data-report.json").write_text(json.dumps({"train_audio_sha256": ["aa", "bb", "cc"]}))
    assert tracks_in_training(tmp_path, {"x": "aa", "y": "zz", "z": "cc"}) == 2
    (tmp_path / "data-report.json").write_text(json.dumps({"decoded": 3}))  # a run from before: not known
    assert tracks_in_training(tmp_path, {"x": "aa"}) is None


def test_dash_reasons_say_why_a_cell_is_empty():
    tracks = [Track("a", tags_coarse=["rock"], tags_fine=["grunge"]), Track("b", tags_coarse=["rock"])]
    results = {
        "model": {"t2m": {"r@1": 1.0}, "m2m_coarse": {"tags": 1}, "m2m_fine": {"tags": 0}},
        "dsp": {"m2m_coarse": {"tags": 1}, "m2m_fine": {"tags": 0}},
    }
    assert dash_reasons(results, tracks) == [
        "T2M -: no text side (dsp: audio-only, or an embeddings file given without --text-embeddings)",
        "M2M fine -: no fine tag is on two of the 2 tracks (1 carry fine tags; a tag on one track has nothing to "
        "retrieve)",
    ]


def test_queries_are_matched_and_none_matching_stops(tmp_path):
    asked = [("a", "calm"), ("zz", "loud"), ("b", "soft"), ("zz", "again")]
    assert match_queries(asked, ["a", "b", "c"], tmp_path / "q.csv") == ([("a", "calm"), ("b", "soft")], ["zz"])
    with pytest.raises(
        UserError, match=r"none of its 2 queries .*\(e\.g\. 'x', 'y'; the pool's ids are like 'a', 'b'\)"
    ):
        match_queries([("x", "1"), ("y", "2")], ["b", "a"], tmp_path / "q.csv")


def test_evaluate_warns_on_collapsed_vectors_and_explains_empty_cells(tmp_path):
    ids = [f"t{i}" for i in range(6)]
    rng = np.random.default_rng(1)
    write_embeddings(tmp_path / "collapsed.npz", ids, np.ones((6, 8)) + 1e-4 * rng.normal(size=(6, 8)))
    write_embeddings(tmp_path / "spread.npz", ids, rng.normal(size=(6, 8)))
    tags = "id,level,tag\n" + "".join(f"t{i},coarse,{'rock' if i % 2 else 'jazz'}\n" for i in range(6))
    (tmp_path / "tags.csv").write_text(tags)
    files = [arg for name in ("collapsed", "spread") for arg in ("--embeddings", str(tmp_path / f"{name}.npz"))]
    proc = run_cli("evaluate", *files, "--tags", str(tmp_path / "tags.csv"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "collapsed" in line]
    assert len(warned) == 1 and "collapsed's embeddings have collapsed: mean pairwise cosine 1.000" in warned[0]
    assert "M2M fine -: none of the 6 tracks has fine tags" in proc.stdout
    assert "T2M -: no text side (collapsed, spread" in proc.stdout
    report = (tmp_path / "r" / "report.md").read_text()
    assert "Warnings: collapsed's embeddings have collapsed" in report and "Empty cells: T2M -" in report
