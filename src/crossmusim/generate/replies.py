"""The description reply: exactly the keys the prompt asks for, values of the right types, and
content that is usable: every field filled when the song is known, and a description made of complete
sentences of at least a dozen words (characters, for Chinese). A JSON-mode grammar can end a string
at an inner double quote ("description": "Beyond's "): such a reply is valid JSON but no description,
and gets the repair turn like any other bad reply.

The fact keys (artist, release_year, album) are asked for but optional: a usable description without
them is kept and its fact check says `unknown`. A grounded reply may name the page facts it used
(`grounded_on`); a reply without it is not invalid."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crossmusim.chinese import CJK
from crossmusim.llm.replies import ReplyError, check_finish, extract_json_object

FACT_KEYS = ("artist", "release_year", "album")  # what we already hold, asked back for the fact check
FIELD_KEYS = ("genre", "melody", "instrumentation", "tempo", "vocals", "mood", "themes", "lyrics")
DESCRIPTION_KEYS = ("known", *FACT_KEYS, *FIELD_KEYS, "description")
DESCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        k: {"type": "boolean"} if k == "known" else {"type": ["integer", "null"]} if k == "release_year" else {
            "type": "string"}
        for k in DESCRIPTION_KEYS
    },
    "required": list(DESCRIPTION_KEYS),
    "additionalProperties": False,
}  # fmt: skip
GROUNDED_KEY = "grounded_on"  # the page facts a grounded reply says it used
GROUNDED_SCHEMA: dict[str, Any] = {
    **DESCRIPTION_SCHEMA,
    "properties": {**DESCRIPTION_SCHEMA["properties"], GROUNDED_KEY: {"type": "array", "items": {"type": "string"}}},
    "required": [*DESCRIPTION_KEYS, GROUNDED_KEY],
}
MIN_WORDS = 12  # words of an English description; characters of a Chinese one
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’）)」』]*$")


@dataclass
class ParsedDescription:
    known: bool
    fields: dict[str, str]  # genre ... lyrics
    description: str
    facts: dict[str, Any]  # artist, release_year, album as the model states them (those it gave)
    grounded_on: list[str] = field(default_factory=list)  # page facts a grounded reply says it used


def description_problem(text: str) -> str | None:
    """Why a description is not usable text, or None."""
    if text.lstrip().startswith(("{", "[")) or '"known"' in text:
        return '"description" holds JSON instead of prose'
    cjk = len(CJK.findall(text))
    chinese = cjk > len(text) / 3
    size = cjk if chinese else len(text.split())
    if size < MIN_WORDS:
        unit = "characters" if chinese else "words"
        return f'"description" has {size} {unit}: write a full paragraph of complete sentences'
    if not _SENTENCE_END.search(text.strip()):
        return '"description" stops mid-sentence: end it with a full stop'
    return None


def parse_description(text: str, finish_reason: str = "stop") -> ParsedDescription:
    check_finish(finish_reason)
    obj = extract_json_object(text)
    missing = [k for k in DESCRIPTION_KEYS if k not in obj and k not in FACT_KEYS]
    extra = sorted(set(obj) - set(DESCRIPTION_KEYS) - {GROUNDED_KEY})
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
    year = obj.get("release_year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())  # "2003": a common slip, harmless
    if not (year is None or (isinstance(year, int) and not isinstance(year, bool))):
        raise ReplyError('"release_year" must be a number or null')
    bad = [
        k for k in DESCRIPTION_KEYS if k in obj and k not in ("known", "release_year") and not isinstance(obj[k], str)
    ]
    if bad:
        raise ReplyError(f"these values must be strings: {', '.join(bad)}")
    fields = {k: obj[k].strip() for k in FIELD_KEYS}
    description = obj["description"].strip()
    facts = {k: (year if k == "release_year" else obj[k].strip()) for k in FACT_KEYS if k in obj}
    if obj["known"]:
        empty = [k for k, v in fields.items() if not v]
        if empty:
            raise ReplyError(f'these fields are empty although "known" is true: {", ".join(empty)}')
        problem = description_problem(description)
        if problem:
            raise ReplyError(problem)
    return ParsedDescription(obj["known"], fields, description, facts, _grounded_on(obj.get(GROUNDED_KEY)))


def _grounded_on(value: Any) -> list[str]:
    """The page facts a reply names: a list of strings, or one comma-separated string; else none."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]
