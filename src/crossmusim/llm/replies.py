"""What every structured reply goes through: the JSON object found, the finish reason checked.

Each feature validates its own schema on top (`generate.replies`, `aspects.replies`); a reply that
fails raises `ReplyError`, whose text goes back to the model in the one repair turn."""

from __future__ import annotations

import json
import re
from typing import Any


class ReplyError(ValueError):
    """Why a reply cannot be used; the text goes back to the model in the repair turn."""


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
