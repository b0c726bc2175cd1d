"""In-process batch inference with `vllm.LLM` on a GPU box (`--provider vllm-offline`).

vllm is imported lazily and is never a dependency (CUDA-only; it pins its own torch). Requests that
arrive together (the runner keeps `--concurrency` of them in flight) are gathered for a few
milliseconds and sent to `LLM.chat` as one batch, which is where vLLM's throughput comes from.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from crossmusim.extras import require
from crossmusim.llm.base import Completion, LLMClient, Message, RequestParams, Usage

_Pending = tuple[list[Message], RequestParams, "asyncio.Future[Completion]"]


class VllmOfflineClient(LLMClient):
    provider = "vllm-offline"

    def __init__(
        self,
        model_id: str,
        *,
        max_batch: int = 256,
        batch_window: float = 0.02,
        llm_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self._vllm = require("vllm", "vllm")
        self.llm = self._vllm.LLM(model=model_id, **(llm_kwargs or {}))
        self.max_batch = max_batch
        self.batch_window = batch_window
        self._pending: list[_Pending] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches: list[int] = []  # sizes of the batches sent, for logs and tests

    def sampling_params(self, params: RequestParams) -> Any:
        kwargs: dict[str, Any] = {
            "temperature": params.temperature,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
        }
        guided = getattr(getattr(self._vllm, "sampling_params", None), "GuidedDecodingParams", None)
        if params.json_schema is not None and guided is not None:
            kwargs["guided_decoding"] = guided(json=params.json_schema)
        return self._vllm.SamplingParams(**kwargs)

    async def complete(self, messages: list[Message], model: str, params: RequestParams) -> Completion:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Completion] = loop.create_future()
        self._pending.append((messages, params, future))
        if len(self._pending) >= self.max_batch:
            self._flush()
        elif self._flush_handle is None:
            self._flush_handle = loop.call_later(self.batch_window, self._flush)
        return await future

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        batch, self._pending = self._pending, []
        groups: dict[str, list[_Pending]] = {}
        for item in batch:  # one LLM.chat call per distinct sampling setting
            groups.setdefault(json.dumps(item[1].key(), sort_keys=True), []).append(item)
        for group in groups.values():
            task = asyncio.get_running_loop().create_task(self._run(group))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, group: list[_Pending]) -> None:
        conversations = [[{"role": m.role, "content": m.content} for m in messages] for messages, _, _ in group]
        self.batches.append(len(group))
        try:
            outputs = await asyncio.to_thread(
                self.llm.chat, conversations, self.sampling_params(group[0][1]), use_tqdm=False
            )
        except Exception as exc:  # a failed batch fails each of its requests, not the event loop
            for _, _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), output in zip(group, outputs, strict=True):
            choice = output.outputs[0]
            future.set_result(
                Completion(
                    text=choice.text,
                    finish_reason=choice.finish_reason or "stop",
                    usage=Usage(len(output.prompt_token_ids or []), len(choice.token_ids or [])),
                    model=getattr(self.llm, "model_id", "") or "",
                )
            )
