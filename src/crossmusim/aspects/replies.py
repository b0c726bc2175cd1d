"""The aspects reply: exactly {"aspects": [strings]}."""

from __future__ import annotations

from typing import Any

from crossmusim.llm.replies import ReplyError, check_finish, extract_json_object

ASPECTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"aspects": {"type": "array", "items": {"type": "string"}}},
    "required": ["aspects"],
    "additionalProperties": False,
}


def parse_aspects(text: str, finish_reason: str = "stop") -> list[str]:
    check_finish(finish_reason)
    obj = extract_json_object(text)
    if set(obj) != {"aspects"} or not isinstance(obj["aspects"], list):
        raise ReplyError('expected exactly {"aspects": [list of strings]}')
    if not all(isinstance(a, str) for a in obj["aspects"]):
        raise ReplyError("every aspect must be a string")
    return [a for a in obj["aspects"] if a.strip()]
