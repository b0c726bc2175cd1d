"""Describe one song: its messages (artist and title only), the structured call, the record."""

from __future__ import annotations

from typing import Any

from crossmusim.generate.facts import fact_check
from crossmusim.generate.replies import DESCRIPTION_SCHEMA, parse_description
from crossmusim.llm.base import RequestParams
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.structured import ask_structured
from crossmusim.llm.templates import PromptTemplate, load_template
from crossmusim.records import Description, SongRef


def describe_template(lang: str = "en") -> PromptTemplate:
    return load_template("crossmusim.generate", "describe", lang, version="v2")


def describe_params(temperature: float = 0.2, max_tokens: int = 700) -> RequestParams:
    return RequestParams(temperature=temperature, max_tokens=max_tokens, seed=0, json_schema=DESCRIPTION_SCHEMA)


def song_data(title: str, artist: str) -> dict[str, Any]:
    """Only what the method lets the model see: artist and title. Album and year, when we hold them,
    are asked back and compared instead (the fact check)."""
    return {"artist": artist, "title": title}


def song_messages(template: PromptTemplate, song: SongRef):
    return template.messages("song", song_data(song.title, song.artist))


async def describe_song(
    caller: LLMCaller, template: PromptTemplate, song: SongRef, params: RequestParams
) -> Description:
    """Raises only BudgetExceeded; every other failure becomes a `failed` record."""
    reply = await ask_structured(caller, template, song_messages(template, song), params, parse_description)
    record = Description(
        song_id=song.id,
        title=song.title,
        artist=song.artist,
        album=song.album,
        year=song.year,
        status="failed",
        model=caller.model.name,
        provider=caller.model.provider.name,
        model_id=caller.model.model_id,
        prompt_version=template.id,
        lang=template.lang,
        repaired=reply.repaired,
        finish_reason=reply.finish_reason,
        usage=reply.usage_dict(),
        cost_usd=round(reply.cost_usd, 10),
    )
    if reply.value is None:
        record.error, record.raw = reply.error, reply.raw
    elif reply.value.known:
        record.status, record.fields, record.description = "described", reply.value.fields, reply.value.description
        record.fact_check, record.facts = fact_check(song, reply.value.facts)
    else:
        record.status = "abstained"
    return record
