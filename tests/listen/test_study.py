"""`listen create`: the study's songs, trials and items are the systems' own retrievals, stored once; and
the whole path through the command line (create, invite, simulate, report)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from crossmusim.listen import store
from tests.conftest import run_cli


def test_items_are_each_systems_top_songs_stored_once_without_the_querys_artist(made_study):
    study, summary = made_study
    assert summary["systems"] == ["crossmusim:run", "random", "dsp"] and summary["queries"] == 6
    with store.opened(study) as conn:
        songs = {r["stimulus"]: dict(r) for r in conn.execute("SELECT * FROM songs")}
        trials = conn.execute("SELECT * FROM trials ORDER BY id").fetchall()
        items = conn.execute("SELECT * FROM items").fetchall()
        retrieved = conn.execute("SELECT i.trial, i.stimulus, s.name, r.rank FROM retrievals r JOIN items i ON "
                                 "i.id = r.item JOIN systems s ON s.id = r.system").fetchall()  # fmt: skip
    main = [t for t in trials if t["kind"] == "main"]
    assert len(main) == 6 and len([t for t in trials if t["kind"] == "check"]) == 2
    for trial in main:
        query = songs[trial["query"]]
        for system in summary["systems"]:
            mine = sorted(
                (r["rank"], r["stimulus"]) for r in retrieved if r["trial"] == trial["id"] and r["name"] == system
            )
            assert [rank for rank, _ in mine] == [1, 2]  # --top 2 from every system
            assert all(songs[s]["artist"] != query["artist"] and s != trial["query"] for _, s in mine)
        stimuli = [i["stimulus"] for i in items if i["trial"] == trial["id"]]
        assert len(stimuli) == len(set(stimuli))  # a song two systems retrieved is one item, rated once
    checks = [i for i in items if i["kind"] != "retrieved"]
    for check in checks:
        trial = next(t for t in trials if t["id"] == check["trial"])
        if check["kind"] == "same":
            assert check["stimulus"] == trial["query"]
        else:
            query, other = songs[trial["query"]], songs[check["stimulus"]]
            shared = set(json.loads(query["tags_coarse"])) & set(json.loads(other["tags_coarse"]))
            assert not shared
    files = sorted(p.stem for p in (study / "stimuli").glob("*.wav"))
    assert files == sorted(songs) and len(files) == summary["stimuli"]  # every song written once
    lengths = {sf.info(study / "stimuli" / f"{name}.wav").duration for name in files}
    assert lengths == {2.0}


@pytest.mark.slow  # four commands in processes of their own (10-20 s)
def test_the_command_line_creates_invites_simulates_and_reports(listen_pool, tmp_path):
    study, report = tmp_path / "study", tmp_path / "report"
    env = {"CROSSMUSIM_CACHE": str(listen_pool["cache"])}
    proc = run_cli("listen", "create", "--dataset", str(listen_pool["dataset"]), "--split", "train", "--model",
                   str(listen_pool["run"]), "--baseline", "random", "--queries", "5", "--top", "2",
                   "--excerpt-seconds", "1.5", "--out", str(study), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "5 queries, 7 trials (2 hidden checks)" in proc.stdout and "admin token" in proc.stdout
    assert "pool tracks are in the training split of crossmusim:run" in proc.stderr  # the train split: said
    proc = run_cli("listen", "invite", str(study), "--raters", "2", "--base-url", "https://listen.example.org")
    links = proc.stdout.splitlines()
    assert proc.returncode == 0 and len(links) == 2 and links[0].startswith("rater-01\thttps://listen.example.org/r/")
    assert pd.read_csv(study / "invites.csv")["link"].tolist() == [line.split("\t")[1] for line in links]
    proc = run_cli("listen", "simulate", str(study), "--raters", "3", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    assert "3 SIMULATED raters gave" in proc.stdout
    proc = run_cli("listen", "report", str(study), "--out", str(report))
    assert proc.returncode == 0, proc.stderr
    assert "answers from 3 simulated raters" in proc.stdout  # the two people invited have not answered
    mos = json.loads((report / "mos.json").read_text())
    ratings = pd.read_parquet(report / "ratings.parquet")
    assert mos["raters"] == 3 and mos["simulated_raters"] == 3  # the invited people have not answered yet
    assert mos["answers"] == ratings.drop_duplicates(["rater", "item"]).shape[0]
    assert set(mos["systems"]) == {"crossmusim:run", "random"}
    for cells in mos["systems"].values():
        assert set(cells) == {"musical", "acoustic", "overall", "average"}
        assert all(c["ci"][0] <= c["mos"] <= c["ci"][1] for c in cells.values())
    assert len(mos["pairs"]) == 1 and 0 <= mos["pairs"][0]["p_holm"] <= 1 and -1 <= mos["alpha"] <= 1
    assert set(ratings.columns) >= {"rater", "trial", "query", "song", "system", "answered_at", "overall"}
    text = (report / "report.md").read_text()
    assert "SIMULATED" in text and "| system | musical | acoustic | overall | average |" in text
    assert (report / "mos.png").read_bytes()[:4] == b"\x89PNG"
    # Simulated ratings follow the tags: the tags' own nearest songs (the trained model here) beat random.
    assert mos["systems"]["crossmusim:run"]["average"]["mos"] > mos["systems"]["random"]["average"]["mos"]
    assert np.isfinite(mos["systems"]["random"]["average"]["mos"])
    assert Path(study / "study.sqlite").is_file()


def test_a_pool_of_plain_audio_without_tags_makes_a_study_with_identity_checks_only(listen_pool, tmp_path):
    from crossmusim.listen.study import StudyConfig, create_study

    audio = listen_pool["dataset"].parent / "inputs" / "audio"
    made = create_study(StudyConfig(out=tmp_path / "study", baselines=["random", "dsp"], audio=audio, queries=3,
                                    top=2, excerpt_seconds=1.0, cache_dir=listen_pool["cache"]))  # fmt: skip
    assert made["queries"] == 3 and made["trials"] == 5
    with store.opened(tmp_path / "study") as conn:
        kinds = [row["kind"] for row in conn.execute("SELECT kind FROM items WHERE kind != 'retrieved'")]
        tags = {row["tags_coarse"] for row in conn.execute("SELECT tags_coarse FROM songs")}
    assert kinds == ["same", "same"] and tags == {"[]"}  # no tags: no "unrelated" song to check against
