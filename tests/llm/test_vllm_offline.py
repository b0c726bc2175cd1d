"""In-process vLLM batching, against a stand-in `vllm` module (vllm itself cannot run here)."""

from __future__ import annotations

import asyncio
import sys
import types

import pytest

from crossmusim.errors import MissingExtraError
from crossmusim.generate.describe import describe_params, describe_song, describe_template
from crossmusim.llm.cache import RequestCache
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.registry import resolve
from crossmusim.records import SongRef
from crossmusim.testing.fake_llm_server import _describe


def _stand_in_vllm() -> types.ModuleType:
    """The slice of vllm's API crossmusim uses: LLM(model).chat(conversations, SamplingParams)."""
    import json
    import re

    module = types.ModuleType("vllm")
    calls: list[int] = []

    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LLM:
        def __init__(self, model, **kwargs):
            self.model_id = model

        def chat(self, conversations, sampling_params, use_tqdm=True):
            calls.append(len(conversations))
            outputs = []
            for conversation in conversations:
                data = json.loads(re.search(r"\{.*\}", conversation[1]["content"], re.S).group(0))
                text = json.dumps(_describe(data, known=True), ensure_ascii=False)
                choice = types.SimpleNamespace(text=text, finish_reason="stop", token_ids=list(range(len(text) // 4)))
                outputs.append(types.SimpleNamespace(outputs=[choice], prompt_token_ids=[1] * 300))
            return outputs

    module.LLM, module.SamplingParams, module.calls = LLM, SamplingParams, calls
    return module


def test_concurrent_requests_are_batched_and_answered_in_place(monkeypatch, tmp_path):
    vllm = _stand_in_vllm()
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    from crossmusim.llm.vllm_offline import VllmOfflineClient

    model = resolve("qwen2-7b", "vllm-offline")
    client = VllmOfflineClient(model.model_id, batch_window=0.01)
    caller = LLMCaller(client, model, RequestCache(tmp_path / "c.sqlite"))
    template, params = describe_template("en"), describe_params()
    songs = [SongRef(id=str(i), title=f"title {i}", artist=f"artist {i}") for i in range(20)]

    async def run():
        return await asyncio.gather(*(describe_song(caller, template, s, params) for s in songs))

    records = asyncio.run(run())
    assert [r.status for r in records] == ["described"] * 20
    assert sum(vllm.calls) == 20 and len(vllm.calls) < 5  # a few batches, not 20 single calls
    assert records[3].usage["prompt_tokens"] == 300 and records[3].model_id == "Qwen/Qwen2-7B-Instruct"
    expected = _describe({"artist": "artist 7", "title": "title 7"}, known=True)["description"]
    assert records[7].description == expected  # each reply went back to its own song


def test_missing_vllm_names_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    from crossmusim.llm.vllm_offline import VllmOfflineClient

    with pytest.raises(MissingExtraError, match=r'pip install "crossmusim\[vllm\]"'):
        VllmOfflineClient("Qwen/Qwen2-7B-Instruct")
