"""`evaluate --embeddings AUDIO --text-embeddings TEXTS`: T2M and caption retrieval for vectors made
elsewhere. The model's own audio and text vectors, written to files, must score exactly as the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.embeddings_io import TextVectors, write_embeddings
from crossmusim.evaluation.whole_tracks import tracks_from_dataset
from crossmusim.model.dual_encoder import DualEncoder
from tests.conftest import run_cli


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_files_of_a_models_vectors_score_as_the_model(eval_dataset, tiny_run, eval_cache, tmp_path):
    proc = run_cli("embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--split", "test",
                   "--out", str(tmp_path / "audio.npz"), env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    tracks = tracks_from_dataset(eval_dataset, "test")
    tags = sorted({t for track in tracks for t in track.tags_coarse + track.tags_fine})
    queries = [f"a {tag} track" for tag in tags]
    model = DualEncoder.from_pretrained(tiny_run / "model")
    write_embeddings(tmp_path / "texts.npz", queries, model.embed_text(queries))
    out = tmp_path / "report"
    proc = run_cli("evaluate", "--model", str(tiny_run), "--embeddings", str(tmp_path / "audio.npz"),
                   "--text-embeddings", str(tmp_path / "texts.npz"), "--t2m-template", "a {tag} track",
                   "--dataset", str(eval_dataset), "--out", str(out), env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    systems = json.loads((out / "metrics.json").read_text("utf-8"))["systems"]
    ours, theirs = systems[f"crossmusim:{tiny_run.name}"]["t2m"], systems["audio"]["t2m"]
    assert theirs["tags"] == len(tags) >= 2
    assert {k: pytest.approx(v, abs=1e-6) for k, v in ours.items() if k != "per_tag"} == {
        k: v for k, v in theirs.items() if k != "per_tag"
    }
    proc = run_cli("evaluate", "--embeddings", str(tmp_path / "audio.npz"), "--text-embeddings",
                   str(tmp_path / "texts.npz"), "--dataset", str(eval_dataset), "--out", str(tmp_path / "r2"),
                   env=eval_cache)  # fmt: skip
    assert proc.returncode != 0 and "no vector for the query" in proc.stderr and "--t2m-template" in proc.stderr


def test_caption_queries_are_found_by_their_ids(tmp_path):
    write_embeddings(tmp_path / "t.npz", ["song1", "rock"], np.array([[3.0, 0.0], [0.0, 2.0]]))
    vectors = TextVectors(tmp_path / "t.npz", captions=[("song1", "A loud song."), ("song9", "Unknown.")])
    assert np.allclose(vectors(["A loud song.", "rock"]), [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(UserError, match=r"no vector for the query 'Unknown\.' \(1 of 1 missing\)"):
        vectors(["Unknown."])
