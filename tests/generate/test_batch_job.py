"""`generate --submit-batch`: a provider batch job end to end (upload, create, poll, download, ingest)
through the real OpenAI SDK against the fake server's Files and Batches endpoints; a stopped run
resumes polling the same job instead of submitting again; a failed job is one clear line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from crossmusim.io import read_jsonl
from crossmusim.testing.fake_llm_server import FakeLLMServer, FaultRule
from tests.conftest import run_cli

SONGS = [(f"歌曲{i:03d}", f"歌手{i % 5}", f"id{i:03d}") for i in range(12)]


@pytest.fixture
def server():
    fake = FakeLLMServer(model="fake-llm")
    fake.batch_api.delay = 0.3
    fake.start()
    yield fake
    fake.stop()


def _songs(tmp_path):
    path = tmp_path / "songs.csv"
    path.write_text("title,artist,id\n" + "".join(f"{t},{a},{i}\n" for t, a, i in SONGS), encoding="utf-8")
    return path


def _args(tmp_path, server):
    out = str(tmp_path / "out")
    return ["generate", "--llm", "qwen2-7b", "--provider", "openai-compatible", "--base-url", server.base_url,
            "--songs", str(_songs(tmp_path)), "--out", out, "--submit-batch", "--poll", "0.1"]  # fmt: skip


def test_a_batch_job_runs_end_to_end_and_answers_from_its_results(tmp_path, server):
    proc = run_cli(*_args(tmp_path, server))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    assert [r["status"] for r in read_jsonl(out / "descriptions.jsonl")] == ["described"] * len(SONGS)
    assert server.batch_api.created == 1 and server.stats()["requests"] == len(SONGS)  # all through the batch
    job = json.loads((out / "batch-job.json").read_text("utf-8"))
    assert job["status"] == "ingested" and job["requests"] == len(SONGS)
    summary = json.loads((out / "generate-summary.json").read_text("utf-8"))
    assert summary["batch"]["ingested"] == len(SONGS) and summary["requests_sent"] == 0
    again = run_cli(*_args(tmp_path, server))  # nothing left to ask: no second job
    assert again.returncode == 0 and server.batch_api.created == 1


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_a_stopped_run_resumes_the_same_job(tmp_path, server):
    server.batch_api.delay = 4.0
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "crossmusim", *_args(tmp_path, server)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    state = tmp_path / "out" / "batch-job.json"
    deadline = time.monotonic() + 30
    while not state.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.exists()
    proc.send_signal(signal.SIGKILL)  # the laptop closes mid-poll
    proc.wait()
    assert json.loads(state.read_text("utf-8"))["status"] != "ingested"
    resumed = run_cli(*_args(tmp_path, server))
    assert resumed.returncode == 0, resumed.stderr
    assert server.batch_api.created == 1  # polled the same job: nothing submitted (or paid) twice
    assert len(list(read_jsonl(tmp_path / "out" / "descriptions.jsonl"))) == len(SONGS)


def test_a_failed_job_is_one_line_and_the_next_run_submits_anew(tmp_path, server):
    server.batch_api.outcome = "expired"
    proc = run_cli(*_args(tmp_path, server))
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("crossmusim: error: batch batch_2 ended expired: the batch expired (injected): run")
    server.batch_api.outcome = "completed"
    retry = run_cli(*_args(tmp_path, server))
    assert retry.returncode == 0, retry.stderr
    assert server.batch_api.created == 2


def test_requests_the_batch_failed_are_submitted_again_next_run(tmp_path, server):
    server.rules = [FaultRule("歌曲003", "500", times=1), FaultRule("歌曲007", "500", times=1)]
    first = run_cli(*_args(tmp_path, server))
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    written = {r["song_id"] for r in read_jsonl(out / "descriptions.jsonl")}
    assert written == {i for _, _, i in SONGS} - {"id003", "id007"}  # no failed records for them
    assert len((out / "batch-errors.jsonl").read_text("utf-8").splitlines()) == 2
    second = run_cli(*_args(tmp_path, server))
    assert second.returncode == 0, second.stderr
    assert server.batch_api.created == 2
    assert len(list(read_jsonl(out / "descriptions.jsonl"))) == len(SONGS)


def test_submit_batch_refuses_what_it_cannot_do(tmp_path, server):
    both = run_cli(*_args(tmp_path, server), "--base-url", server.base_url)
    assert both.returncode == 1 and "give a single --base-url" in both.stderr
    mixed = run_cli(*_args(tmp_path, server), "--dry-run")
    assert mixed.returncode == 1 and "--submit-batch runs the whole batch job" in mixed.stderr
