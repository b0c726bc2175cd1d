"""OpenAI batch JSONL: write requests (accepted by OpenAI's and DashScope's batch APIs and by
`vllm run-batch`), and read results back into the request cache so they pass the same validation."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from crossmusim.errors import InputFormatError
from crossmusim.io import JsonlAppender, read_jsonl
from crossmusim.llm.base import Completion, Message, PromptRequest, RequestParams, Usage
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.openai_compat import OpenAICompatibleClient


def request_body(caller: LLMCaller, messages: list[Message], params: RequestParams) -> dict:
    body: dict = {
        "model": caller.model.model_id,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
    }
    if params.seed is not None:
        body["seed"] = params.seed
    response_format = OpenAICompatibleClient.response_format_for(caller.model.provider.json_mode, params)
    if response_format is not None:
        body["response_format"] = response_format
    return body


def write_batch(path: Path, caller: LLMCaller, requests: Iterable[tuple[str, PromptRequest]]) -> int:
    """One line per (custom_id, request); returns the number written."""
    if path.exists():
        path.unlink()  # a batch file is a fresh snapshot of what is still to ask
    with JsonlAppender(path) as out:
        for custom_id, request in requests:
            out.write(
                {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": request_body(caller, request.messages, request.params),
                }
            )
        return out.written


def ingest_batch(path: Path, caller: LLMCaller, requests: dict[str, PromptRequest]) -> dict[str, int]:
    """Put each successful result in the cache under the key its request would have had."""
    counts = {"ingested": 0, "errors": 0, "unknown_id": 0}
    for lineno, row in enumerate(read_jsonl(path), start=1):
        custom_id = row.get("custom_id")
        if custom_id not in requests:
            counts["unknown_id"] += 1
            continue
        response = row.get("response") or {}
        body = response.get("body") or {}
        if row.get("error") or response.get("status_code", 200) != 200 or not body.get("choices"):
            counts["errors"] += 1
            continue
        try:
            choice = body["choices"][0]
            usage = body.get("usage") or {}
            completion = Completion(
                text=choice["message"].get("content") or "",
                finish_reason=choice.get("finish_reason") or "",
                usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
                model=body.get("model", caller.model.model_id),
                batch=True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFormatError(
                path, lineno, f"not an OpenAI batch result line ({exc})", "pass the output file of the batch job"
            ) from None
        request = requests[custom_id]
        key = caller.key(request.messages, request.prompt_id, request.params)
        caller.cache.put(key, caller.model.provider.name, caller.model.model_id, request.prompt_id, completion)
        counts["ingested"] += 1
    return counts
