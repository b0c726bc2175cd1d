"""`evaluate --audio --tags`: models and baselines on any labelled audio, T2M on its tags, caption-to-
track retrieval (`--queries`), and the 4Q metadata as a tag file (real data in ../shared)."""

from __future__ import annotations

import csv
import json

import numpy as np

from crossmusim.curation.tags import load_tags
from crossmusim.evaluation.queries import caption_retrieval, read_queries
from crossmusim.evaluation.tag_sets import read_tag_file
from crossmusim.evaluation.whole_tracks import Track
from tests.conftest import run_cli


def test_caption_retrieval_ranks_each_query_against_every_track():
    tracks = [Track(f"t{i}") for i in range(6)]
    vectors = np.eye(6, dtype=np.float32)
    own = [(f"t{i}", f"q{i}") for i in range(6)] + [("elsewhere", "q0")]

    def text_embed(texts, shift=0):
        return np.stack([vectors[(int(t[1:]) + shift) % 6] for t in texts])

    right = caption_retrieval(own, tracks, vectors, text_embed)
    assert right == {"r@1": 1.0, "r@5": 1.0, "r@10": 1.0, "median_rank": 1.0, "queries": 6, "queries_without_track": 1}
    wrong = caption_retrieval(own, tracks, vectors, lambda texts: text_embed(texts, shift=1))
    assert wrong["r@1"] == 0.0 and wrong["median_rank"] == 6.0  # ties rank the own track last
    assert caption_retrieval([("x", "q")], tracks, vectors, text_embed) is None


def test_queries_files(tmp_path):
    (tmp_path / "q.csv").write_text("ytid,caption,other\nabc,A slow song.,1\n", encoding="utf-8")
    assert read_queries(tmp_path / "q.csv") == [("abc", "A slow song.")]
    (tmp_path / "q.jsonl").write_text('{"id": "a", "text": "loud"}\n', encoding="utf-8")
    assert read_queries(tmp_path / "q.jsonl") == [("a", "loud")]


def test_models_and_baselines_on_labelled_audio_with_t2m_and_captions(eval_dataset, tiny_run, eval_cache, tmp_path):
    inputs = eval_dataset.parent / "inputs"
    with (inputs / "gen" / "descriptions.jsonl").open(encoding="utf-8") as handle:
        described = [json.loads(line) for line in handle]
    with (tmp_path / "q.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows((d["song_id"], d["description"]) for d in described)
        writer.writerow(["no-such-track", "A made-up query."])
    tags = inputs / "tags.csv"
    (tmp_path / "more-tags.csv").write_text(tags.read_text() + "not-a-file,coarse,drone\n", encoding="utf-8")
    out = tmp_path / "report"
    proc = run_cli("evaluate", "--model", str(tiny_run), "--baseline", "random", "--baseline", "untrained",
                   "--baseline", "dsp",
                   "--audio", str(inputs / "audio" / "manifest.csv"), "--tags", str(tmp_path / "more-tags.csv"),
                   "--queries", str(tmp_path / "q.csv"), "--out", str(out), env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["tracks"] == len(described) == 36
    # The pool is the audio the model's dataset was built from: its training songs are in it, found by content.
    trained = len(json.loads((tiny_run / "data-report.json").read_text())["train_audio_sha256"])
    assert 0 < trained < 36
    assert f"{trained} of the 36 pool tracks are in the training split of crossmusim:{tiny_run.name}" in proc.stderr
    assert "36 of 37 queries matched a track of the pool (unmatched: no-such-track)" in proc.stderr
    report = (out / "report.md").read_text()
    assert "36 of 37 queries matched a track of the pool. Unmatched ids: no-such-track." in report
    assert "T2M -: no text side (random, dsp:" in proc.stdout  # untrained has the run's text side
    model = metrics["systems"][f"crossmusim:{tiny_run.name}"]
    assert set(model["t2m"]) >= {"r@1", "map@10"} and model["m2m_coarse"]["tags"] == 4
    assert model["captions"]["queries"] == 36 and 1 <= model["captions"]["median_rank"] <= 36
    assert "captions" in metrics["systems"]["untrained"] and "t2m" not in metrics["systems"]["random"]
    assert (
        "caption-to-track retrieval" in proc.stdout and "1 tagged ids without audio" in (out / "report.md").read_text()
    )
    # Without --std-from the standardised system took the pool's own statistics, and the report says so.
    assert (
        metrics["standardised_on"] == metrics["systems"]["dsp"]["standardised_on"] == "the scored pool (transductive)"
    )
    assert "standardised on: the scored pool (transductive)" in (out / "report.md").read_text()
    assert metrics["systems"]["untrained"]["tower_weight"] == 0.0 and "standardised_on" not in model
    proc = run_cli("evaluate", "--baseline", "dsp", "--audio", str(inputs / "audio" / "manifest.csv"),
                   "--tags", str(tags), "--std-from", str(eval_dataset), "--out", str(tmp_path / "r3"),
                   env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    inductive = json.loads((tmp_path / "r3" / "metrics.json").read_text())
    assert inductive["standardised_on"] == f"the training split of {eval_dataset}"
    pooled, trained = (m["systems"]["dsp"]["m2m_coarse"]["map@100"] for m in (metrics, inductive))
    assert pooled != trained  # other statistics, other vectors
    proc = run_cli("evaluate", "--baseline", "probe", "--model", str(tiny_run), "--audio", str(inputs / "audio"),
                   "--tags", str(tags), "--out", str(tmp_path / "r2"), env=eval_cache)  # fmt: skip
    assert proc.returncode != 0 and "probe" in proc.stderr  # no training split to learn the tags from


def test_the_real_4q_metadata_is_a_tag_file(realdata):
    path = realdata / "real-audio-4q" / "metadata.csv"
    tracks = read_tag_file(path)
    assert len(tracks) == 600 and len({t.artist for t in tracks}) == 439
    quadrants = {"Q1", "Q2", "Q3", "Q4"}
    assert {tag for t in tracks for tag in t.tags_coarse} - quadrants and all(
        len(set(t.tags_coarse) & quadrants) == 1 for t in tracks
    )
    assert len({tag for t in tracks for tag in t.tags_coarse} - quadrants) == 21
    assert len({tag for t in tracks for tag in t.tags_fine}) == 216  # SOURCES.md says 217; trimmed, the file has 216
    first = next(t for t in tracks if t.id == "MT0000004637")
    assert first.tags_fine == ["Circular", "Greasy", "Messy"] and first.tags_coarse == [
        "Country",
        "International",
        "Q3",
    ]
    index = load_tags(path, problems=[])  # build-dataset --tags reads it too
    assert index.rows == 600 and index.find("MT0000004637", None)["fine"] == ["Circular", "Greasy", "Messy"]
