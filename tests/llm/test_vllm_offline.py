"""In-process vLLM batching, against a stand-in `vllm` package with the real API's surface
(`tests/llm/vllm_stand_in`; vllm itself cannot run here)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from crossmusim.errors import MissingExtraError
from crossmusim.generate.describe import describe_params, describe_song, song_prompt
from crossmusim.io import read_jsonl
from crossmusim.llm.base import Message
from crossmusim.llm.cache import RequestCache
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.registry import resolve
from crossmusim.records import SongRef
from crossmusim.testing.fake_llm_server import describe_reply
from tests.conftest import run_cli

STAND_IN = Path(__file__).parent / "vllm_stand_in"


@pytest.fixture
def stand_in_vllm(monkeypatch):
    monkeypatch.syspath_prepend(str(STAND_IN))
    for name in [m for m in sys.modules if m == "vllm" or m.startswith("vllm.")]:
        monkeypatch.delitem(sys.modules, name)
    import vllm

    return vllm


def test_concurrent_requests_are_batched_one_engine_call_at_a_time(stand_in_vllm, tmp_path):
    from crossmusim.llm.vllm_offline import VllmOfflineClient

    model = resolve("qwen2-7b", "vllm-offline")
    client = VllmOfflineClient(model.model_id, batch_window=0.01, max_batch=16)
    caller = LLMCaller(client, model, RequestCache(tmp_path / "c.sqlite"))
    songs = [SongRef(id=str(i), title=f"title {i}", artist=f"artist {i}") for i in range(40)]

    async def run():
        # Requests keep arriving while a batch runs: the stand-in raises if chat is entered twice.
        return await asyncio.gather(*(describe_song(caller, s, song_prompt(s, "en", 0.2, 700)) for s in songs))

    records = asyncio.run(run())
    assert [r.status for r in records] == ["described"] * 40
    assert sum(client.llm.batch_sizes) == 40 and max(client.llm.batch_sizes) == 16
    assert len(client.llm.batch_sizes) <= 4  # a few full batches, not 40 single calls
    assert records[3].usage["prompt_tokens"] == 300
    expected = describe_reply({"artist": "artist 7", "title": "title 7"}, known=True)["description"]
    assert records[7].description == expected  # each reply went back to its own song


def test_the_completion_names_the_model_it_was_loaded_with(stand_in_vllm):
    from crossmusim.llm.vllm_offline import VllmOfflineClient

    client = VllmOfflineClient("Qwen/Qwen2-7B-Instruct")
    assert not hasattr(client.llm, "model_id")  # as in vllm: the name must come from us

    async def ask():
        message = Message("user", json.dumps({"artist": "a", "title": "t"}))
        return await client.complete([message], "Qwen/Qwen2-7B-Instruct", describe_params())

    assert asyncio.run(ask()).model == "Qwen/Qwen2-7B-Instruct"


def test_generate_fills_batches_far_beyond_the_http_concurrency(tmp_path):
    """The real command with --provider vllm-offline: batches of up to 256, not 8."""
    songs = tmp_path / "songs.csv"
    songs.write_text("title,artist,id\n" + "".join(f"title {i},artist {i},{i}\n" for i in range(300)), "utf-8")
    log = tmp_path / "batches.log"
    pythonpath = os.pathsep.join([str(STAND_IN), os.environ.get("PYTHONPATH", "")])
    proc = run_cli(
        "generate", "--llm", "qwen2-7b", "--provider", "vllm-offline", "--songs", str(songs),
        "--out", str(tmp_path / "out"), env={"PYTHONPATH": pythonpath, "VLLM_STAND_IN_LOG": str(log)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    sizes = [int(n) for n in log.read_text().split()]
    assert sum(sizes) == 300 and max(sizes) > 100
    records = list(read_jsonl(tmp_path / "out" / "descriptions.jsonl"))
    assert len(records) == 300 and {r["status"] for r in records} == {"described"}
    assert records[0]["model_id"] == "Qwen/Qwen2-7B-Instruct" and records[0]["provider"] == "vllm-offline"


def test_missing_vllm_names_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    from crossmusim.llm.vllm_offline import VllmOfflineClient

    with pytest.raises(MissingExtraError, match=r'pip install "crossmusim\[vllm\]"'):
        VllmOfflineClient("Qwen/Qwen2-7B-Instruct")
