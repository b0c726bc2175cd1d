"""In-process batch inference with `vllm.LLM` on a GPU box (`--provider vllm-offline`).

vllm is imported lazily and is never a dependency (CUDA-only; it pins its own torch). Requests that
arrive together are queued, and one consumer task sends them to `LLM.chat` in batches of up to
`max_batch`: while a batch runs on the GPU the next one gathers, which is where vLLM's throughput
comes from. `LLM` is not thread-safe, so only that one consumer ever calls it. The runner keeps
enough requests in flight to fill batches (the provider's default concurrency is 256).
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
        self.model_id = model_id  # vllm.LLM does not expose the name it was given
        self.llm = self._vllm.LLM(model=model_id, **(llm_kwargs or {}))
        self.max_batch = max_batch
        self.batch_window = batch_window
        self._pending: list[_Pending] = []
        self._consumer: asyncio.Task[None] | None = None
        self.batches: list[int] = []  # sizes of the batches sent, for logs and tests

    def sampling_params(self, params: RequestParams) -> Any:
        kwargs: dict[str, Any] = {
            "temperature": params.temperature,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
        }
        if params.json_schema is not None:
            module = getattr(self._vllm, "sampling_params", None)
            structured = getattr(module, "StructuredOutputsParams", None)  # newer vllm
            guided = getattr(module, "GuidedDecodingParams", None)  # vllm before 0.12
            if structured is not None:
                kwargs["structured_outputs"] = structured(json=params.json_schema)
            elif guided is not None:
                kwargs["guided_decoding"] = guided(json=params.json_schema)
        return self._vllm.SamplingParams(**kwargs)

    async def complete(self, messages: list[Message], model: str, params: RequestParams) -> Completion:
        future: asyncio.Future[Completion] = asyncio.get_running_loop().create_future()
        self._pending.append((messages, params, future))
        if self._consumer is None or self._consumer.done():
            self._consumer = asyncio.create_task(self._consume())
        return await future

    async def _consume(self) -> None:
        """The one caller of `LLM.chat`: take what has gathered, run it, repeat until none is left."""
        while self._pending:
            if len(self._pending) < self.max_batch:
                await asyncio.sleep(self.batch_window)  # let the requests of this moment join
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            groups: dict[str, list[_Pending]] = {}
            for item in batch:  # one LLM.chat call per distinct sampling setting
                groups.setdefault(json.dumps(item[1].key(), sort_keys=True), []).append(item)
            for group in groups.values():
                await self._run(group)

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
            if not future.done():
                future.set_result(
                    Completion(
                        text=choice.text,
                        finish_reason=choice.finish_reason or "stop",
                        usage=Usage(len(output.prompt_token_ids or []), len(choice.token_ids or [])),
                        model=self.model_id,
                    )
                )

    async def aclose(self) -> None:
        if self._consumer is not None and not self._consumer.done():
            await self._consumer
