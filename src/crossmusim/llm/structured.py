"""The one call -> validate -> repair loop that every structured LLM feature goes through.

A feature gives the messages, its template (for the repair turn) and a parser that raises
`ReplyError`; it gets back the parsed value, or the reason and the raw reply when even the repaired
reply failed. Nothing but `BudgetExceeded` escapes, so one bad reply never stops a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from crossmusim.llm.base import Completion, LLMError, Message, RequestParams, Usage
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.replies import ReplyError
from crossmusim.llm.templates import PromptTemplate

T = TypeVar("T")


@dataclass
class StructuredReply(Generic[T]):
    value: T | None = None
    error: str | None = None  # why there is no value
    raw: str | None = None  # the last reply, when it failed validation
    finish_reason: str = ""
    repaired: bool = False  # a repair turn was needed
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0

    def add(self, completion: Completion, cost: float) -> None:
        self.usage += completion.usage
        self.cost_usd += cost
        self.finish_reason = completion.finish_reason

    def usage_dict(self) -> dict[str, int]:
        return {"prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens}


async def ask_structured(
    caller: LLMCaller,
    template: PromptTemplate,
    messages: list[Message],
    params: RequestParams,
    parse: Callable[[str, str], T],
) -> StructuredReply[T]:
    """Ask, parse with `parse(text, finish_reason)`, and on `ReplyError` ask once more with the problem."""
    reply: StructuredReply[T] = StructuredReply()
    text = ""
    try:
        completion, _ = await caller.call(messages, template.id, params)
        reply.add(completion, caller.cost(completion))
        text = completion.text
        try:
            reply.value = parse(completion.text, completion.finish_reason)
        except ReplyError as problem:
            reply.repaired = True
            repair = template.repair_messages(messages, completion.text, str(problem))
            completion, _ = await caller.call(repair, template.id, params)
            reply.add(completion, caller.cost(completion))
            text = completion.text
            reply.value = parse(completion.text, completion.finish_reason)
    except ReplyError as problem:
        reply.error = f"invalid reply after one repair turn: {problem}"
        reply.raw = text
    except LLMError as exc:
        reply.error, reply.finish_reason = str(exc), ""
    return reply
