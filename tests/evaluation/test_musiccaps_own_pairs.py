"""Issue 34's walk as a new user takes it, on the 32 real MusicCaps clips in ../shared (skipped without
it): their human captions and aspect lists as a pairs file with the ytids as ids and no title or artist;
build-dataset -> train (cpu preset) -> evaluate --queries (every ytid found) -> embed -> index -> search
--text with the model the index recorded."""

from __future__ import annotations

import ast
import csv
import json

import pytest

from tests.conftest import run_cli


@pytest.mark.slow  # trains the cpu preset end to end
def test_musiccaps_clips_as_own_pairs_keep_their_ytids_through_every_step(realdata, tmp_path):
    folder = realdata / "musiccaps"
    clips = {path.stem: path for path in (folder / "audio").glob("*.ogg")}
    with (folder / "musiccaps-public.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["ytid"] in clips]
    assert len(rows) == len(clips) == 32
    pairs, queries = tmp_path / "pairs.csv", tmp_path / "queries.csv"
    with pairs.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "audio", "title", "artist", "text", "type"])
        for row in rows:
            aspects = "; ".join(ast.literal_eval(row["aspect_list"]))
            writer.writerow([row["ytid"], clips[row["ytid"]], "", "", row["caption"], "caption"])
            writer.writerow([row["ytid"], clips[row["ytid"]], "", "", aspects, "aspects"])
    with queries.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "text"], *[[row["ytid"], row["caption"]] for row in rows]])
    cache = {"CROSSMUSIM_CACHE": str(tmp_path / "cache")}
    data, run = tmp_path / "data", tmp_path / "run"

    proc = run_cli("build-dataset", "--open", f"pairs={pairs}", "--tags", str(folder / "musiccaps-public.csv"),
                   "--out", str(data), timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((data / "stats.json").read_text())
    assert sum(stats["rows"].values()) == 64 and stats["tags_rows"] > 5000  # the MusicCaps reader read it
    assert "Songs without an artist: 32" in (data / "README.md").read_text()
    # The CSV's other 5,489 clips (no audio here): said on stderr, listed in report.json.
    assert "tags: 1 problem, listed in report.json's tag_problems (first: 5489 songs of" in proc.stderr

    proc = run_cli("train", "--dataset", str(data), "--out", str(run), "--preset", "cpu", "--epochs", "3",
                   env=cache, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr

    proc = run_cli("evaluate", "--model", str(run), "--audio", str(folder / "audio"), "--tags",
                   str(folder / "musiccaps-public.csv"), "--queries", str(queries), "--out", str(tmp_path / "report"),
                   env=cache, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "32 of 32 queries matched a track of the pool" in proc.stderr
    trained = len(json.loads((run / "data-report.json").read_text())["train_audio_sha256"])
    assert f"{trained} of the 32 pool tracks are in the training split of crossmusim:run" in proc.stderr
    captions = json.loads((tmp_path / "report" / "metrics.json").read_text())["systems"]["crossmusim:run"]["captions"]
    assert captions["queries"] == 32 and captions["queries_without_track"] == 0

    vectors = tmp_path / "clips.npz"
    proc = run_cli("embed", "--model", str(run), "--audio", str(folder / "audio"), "--out", str(vectors), env=cache,
                   timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert run_cli("index", "--embeddings", str(vectors), "--out", str(tmp_path / "idx")).returncode == 0
    proc = run_cli("search", "--index", str(tmp_path / "idx"), "--text", "a mellow piano ballad", "-k", "5", "--json",
                   env=cache, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(hits) == 5 and {hit["id"] for hit in hits} <= set(clips)  # the user's own ids, not digests
    proc = run_cli("search", "--index", str(tmp_path / "idx"), "--id", rows[0]["ytid"], "-k", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(hits) == 3 and rows[0]["ytid"] not in {hit["id"] for hit in hits} <= set(clips)
