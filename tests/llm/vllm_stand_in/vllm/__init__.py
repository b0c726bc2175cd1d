"""A stand-in for the slice of vllm's API that crossmusim uses (vllm itself cannot run here).

It keeps the real surface: `LLM(model=..., **engine_kwargs)` with no attribute naming the model,
`LLM.chat(messages, sampling_params=None, use_tqdm=True, ...)` returning `RequestOutput`-shaped
objects, `SamplingParams(**kwargs)` and `sampling_params.StructuredOutputsParams(json=...)`. Like
the real engine it must not be entered from two threads at once: it raises if that happens. Each
batch's size is appended to the file named by $VLLM_STAND_IN_LOG, for tests that run the CLI.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from types import SimpleNamespace

from crossmusim.testing.fake_llm_server import describe_reply
from vllm.sampling_params import SamplingParams, StructuredOutputsParams

__all__ = ["LLM", "SamplingParams", "StructuredOutputsParams"]


class LLM:
    def __init__(self, model: str, **engine_kwargs) -> None:
        self._model = model  # private, as in vllm: there is no public model_id
        self._busy = threading.Lock()
        self.batch_sizes: list[int] = []

    def chat(self, messages, sampling_params=None, use_tqdm=True, lora_request=None, chat_template=None):
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("LLM.chat entered from two threads at once")
        try:
            time.sleep(0.01)  # a GPU step: long enough for a second caller to collide
            self.batch_sizes.append(len(messages))
            if os.environ.get("VLLM_STAND_IN_LOG"):
                with open(os.environ["VLLM_STAND_IN_LOG"], "a", encoding="utf-8") as log:
                    log.write(f"{len(messages)}\n")
            if sampling_params is not None and sampling_params.structured_outputs is None:
                raise ValueError("expected structured_outputs with the reply's JSON schema")
            outputs = []
            for conversation in messages:
                data = json.loads(re.search(r"\{.*\}", conversation[-1]["content"], re.S).group(0))
                text = json.dumps(describe_reply(data, known=True), ensure_ascii=False)
                choice = SimpleNamespace(text=text, finish_reason="stop", token_ids=list(range(len(text) // 4)))
                outputs.append(SimpleNamespace(outputs=[choice], prompt_token_ids=[1] * 300))
            return outputs
        finally:
            self._busy.release()
