"""The description reply: exactly the keys the prompt asks for, values of the right types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossmusim.llm.replies import ReplyError, check_finish, extract_json_object

DESCRIPTION_KEYS = (
    "known",
    "genre",
    "melody",
    "instrumentation",
    "tempo",
    "vocals",
    "mood",
    "themes",
    "lyrics",
    "description",
)
DESCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {k: {"type": "boolean" if k == "known" else "string"} for k in DESCRIPTION_KEYS},
    "required": list(DESCRIPTION_KEYS),
    "additionalProperties": False,
}


@dataclass
class ParsedDescription:
    known: bool
    fields: dict[str, str]  # genre ... lyrics
    description: str


def parse_description(text: str, finish_reason: str = "stop") -> ParsedDescription:
    check_finish(finish_reason)
    obj = extract_json_object(text)
    missing = [k for k in DESCRIPTION_KEYS if k not in obj]
    extra = sorted(set(obj) - set(DESCRIPTION_KEYS))
    if missing or extra:
        detail = "; ".join(
            p
            for p in (
                f"missing keys {', '.join(missing)}" if missing else "",
                f"unexpected keys {', '.join(extra)}" if extra else "",
            )
            if p
        )
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
        raise ReplyError('most aspect fields are empty although "known" is true')
    return ParsedDescription(obj["known"], fields, description)
