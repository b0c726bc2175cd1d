"""Parsing and validating model replies. A reply that fails keeps its raw text and the reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DESCRIPTION_KEYS = ("known", "genre", "melody", "instrumentation", "tempo", "vocals", "mood", "themes",
                    "lyrics", "description")
DESCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {k: {"type": "boolean" if k == "known" else "string"} for k in DESCRIPTION_KEYS},
    "required": list(DESCRIPTION_KEYS),
    "additionalProperties": False,
}
ASPECTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"aspects": {"type": "array", "items": {"type": "string"}}},
    "required": ["aspects"],
    "additionalProperties": False,
}


class ReplyError(ValueError):
    """Why a reply cannot be used; the text goes back to the model in the repair turn."""


@dataclass
class ParsedDescription:
    known: bool
    fields: dict[str, str]  # genre ... lyrics
    description: str


def extract_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a reply, tolerating a Markdown code fence around it."""
    stripped = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", stripped, re.S)
    if fence:
        stripped = fence.group(1)
    if not stripped.startswith("{"):
        raise ReplyError("the reply is not a JSON object")
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(obj, dict):
        raise ReplyError("the reply is not a JSON object")
    return obj


def check_finish(finish_reason: str) -> None:
    if finish_reason == "length":
        raise ReplyError("the reply was cut off (finish_reason length): answer more briefly")
    if finish_reason == "content_filter":
        raise ReplyError("the reply was withheld by a content filter")


def parse_description(text: str, finish_reason: str = "stop") -> ParsedDescription:
    check_finish(finish_reason)
    obj = extract_json_object(text)
    missing = [k for k in DESCRIPTION_KEYS if k not in obj]
    extra = sorted(set(obj) - set(DESCRIPTION_KEYS))
    if missing or extra:
        detail = "; ".join(p for p in (f"missing keys {', '.join(missing)}" if missing else "",
                                      f"unexpected keys {', '.join(extra)}" if extra else "") if p)
        raise ReplyError(f"wrong keys: {detail}")
    if not isinstance(obj["known"], bool):
        raise ReplyError('"known" must be true or false')
    bad = [k for k in DESCRIPTION_KEYS[1:] if not isinstance(obj[k], str)]
    if bad:
        raise ReplyError(f"these values must be strings: {', '.join(bad)}")
    fields = {k: obj[k].strip() for k in DESCRIPTION_KEYS[1:-1]}
    description = obj["description"].strip()
    if obj["known"] and not description:
        raise ReplyError('"description" is empty although "known" is true')
    if obj["known"] and sum(1 for v in fields.values() if v) < 4:
        raise ReplyError("most aspect fields are empty although \"known\" is true")
    return ParsedDescription(obj["known"], fields, description)


def parse_aspects(text: str, finish_reason: str = "stop") -> list[str]:
    check_finish(finish_reason)
    obj = extract_json_object(text)
    if set(obj) != {"aspects"} or not isinstance(obj["aspects"], list):
        raise ReplyError('expected exactly {"aspects": [list of strings]}')
    if not all(isinstance(a, str) for a in obj["aspects"]):
        raise ReplyError("every aspect must be a string")
    return [a for a in obj["aspects"] if a.strip()]
