"""`build-dataset --push-to-hub` against a loopback stand-in of the Hub API, through the real
`huggingface_hub` client (the Hub itself cannot be reached here)."""

from __future__ import annotations

import io

import datasets
import pytest
import soundfile as sf
import yaml

from tests.curation.test_build_dataset import build
from tests.support.hub_server import HubStandIn

TOKEN = "hf_test_token"


@pytest.fixture
def hub():
    with HubStandIn(token=TOKEN) as server:
        yield server


def test_push_commits_card_splits_and_reports_in_one_commit(curation_inputs, hub, tmp_path):
    out = curation_inputs["root"] / "dataset"
    proc = build(curation_inputs, out, "--push-to-hub", "me/songs", env={"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN})
    assert proc.returncode == 0, proc.stderr
    assert "pushed to the Hub as me/songs: " + hub.url in proc.stdout
    assert [r for r in hub.requests if "/commit/" in r[1]] == [("POST", "/api/datasets/me/songs/commit/main")]
    pushed = hub.repos["me/songs"]
    splits = sorted(p.stem for p in (out / "parquet" / "pairs").glob("*.parquet"))
    assert splits == sorted(p.stem for p in (out / "parquet" / "songs").glob("*.parquet"))
    parquet = [f"parquet/{c}/{s}.parquet" for c in ("pairs", "songs") for s in splits]
    assert sorted(pushed) == sorted(["README.md", "stats.json", "report.json", "dropped.jsonl", *parquet])
    for name in ("stats.json", "report.json", "dropped.jsonl", *parquet):
        assert pushed[name] == (out / name).read_bytes(), name
    card = pushed["README.md"].decode("utf-8")
    meta = yaml.safe_load(card[4 : card.index("\n---\n", 4)])
    assert meta["configs"] == [
        {
            "config_name": "pairs",
            "default": True,
            "data_files": [{"split": s, "path": f"parquet/pairs/{s}.parquet"} for s in splits],
        },
        {"config_name": "songs", "data_files": [{"split": s, "path": f"parquet/songs/{s}.parquet"} for s in splits]},
    ]
    assert card.split("\n---\n", 1)[1] == (out / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    # The pushed repo, as a reader gets it, loads by its card, with the audio bytes inside.
    repo = tmp_path / "clone"
    for name, data in pushed.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    for config in ("pairs", "songs"):
        loaded = datasets.load_dataset(str(repo), config, cache_dir=str(tmp_path / "hf-cache"))  # no stale cache
        local = datasets.load_from_disk(str(out / config))
        assert {s: loaded[s].num_rows for s in loaded} == {s: local[s].num_rows for s in local}
    audio = loaded["train"].cast_column("audio", datasets.Audio(decode=False))[0]["audio"]
    assert sf.info(io.BytesIO(audio["bytes"])).frames > 0


def test_link_audio_is_refused_before_anything_is_built(curation_inputs, hub):
    out = curation_inputs["root"] / "dataset"
    env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN}
    proc = build(curation_inputs, out, "--link-audio", "--push-to-hub", "me/songs", env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "crossmusim: error: --push-to-hub with --link-audio would publish paths on this machine: drop --link-audio"
    )
    assert not out.exists() and hub.requests == []


def test_a_missing_token_is_said_before_the_build(curation_inputs, hub, monkeypatch, tmp_path):
    out = curation_inputs["root"] / "dataset"
    monkeypatch.delenv("HF_TOKEN", raising=False)
    env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home")}  # no saved login either
    proc = build(curation_inputs, out, "--push-to-hub", "me/songs", env=env)
    assert proc.returncode == 1 and "set HF_TOKEN" in proc.stderr
    assert not out.exists() and hub.requests == []


def test_a_rejected_token_fails_with_the_hub_message_keeping_the_build(curation_inputs, hub):
    out = curation_inputs["root"] / "dataset"
    proc = build(curation_inputs, out, "--push-to-hub", "me/songs", env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_bad"})
    assert proc.returncode == 1 and "401" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "README.md").exists()  # the local dataset is kept; push again later
    assert "me/songs" not in hub.repos


def test_an_unreachable_hub_is_one_line(curation_inputs):
    out = curation_inputs["root"] / "dataset"
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": TOKEN}  # nothing listens on port 9
    proc = build(curation_inputs, out, "--push-to-hub", "me/songs", env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("crossmusim: error: pushing to the Hub as me/songs failed")
    assert (out / "README.md").exists()
