"""Describe one song: its prompt (artist and title, and the crawled page when grounded), the
structured call, the record."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from crossmusim.generate.facts import fact_check
from crossmusim.generate.genres import compare_genres
from crossmusim.generate.ground import page_facts
from crossmusim.generate.replies import DESCRIPTION_SCHEMA, GROUNDED_SCHEMA, parse_description
from crossmusim.llm.base import PromptRequest, RequestParams
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.structured import ask_structured
from crossmusim.llm.templates import PromptTemplate, load_template
from crossmusim.records import Description, SongPage, SongRef

# Replies to the Chinese prompt are longer in tokens (a character is about one): 700 cut them off.
MAX_TOKENS = {"en": 700, "zh": 1200}
# A grounded reply follows its page's language (a Chinese page gets a Chinese reply to the English
# prompt: 4 of 14 KdConv songs were cut off at 700 tokens), so grounded prompts get the larger limit.
MAX_TOKENS_GROUNDED = 1200


def default_max_tokens(lang: str, grounded: bool) -> int:
    return MAX_TOKENS_GROUNDED if grounded else MAX_TOKENS.get(lang, MAX_TOKENS["en"])


def describe_template(lang: str = "en", grounded: bool = False) -> PromptTemplate:
    return load_template("crossmusim.generate", "describe", lang, version="v3" if grounded else "v2")


def describe_params(temperature: float = 0.2, max_tokens: int = 700, grounded: bool = False) -> RequestParams:
    schema = GROUNDED_SCHEMA if grounded else DESCRIPTION_SCHEMA
    return RequestParams(temperature=temperature, max_tokens=max_tokens, seed=0, json_schema=schema)


def song_data(title: str, artist: str) -> dict[str, Any]:
    """Only what the method lets the model see: artist and title. Album and year, when we hold them,
    are asked back and compared instead (the fact check)."""
    return {"artist": artist, "title": title}


@dataclass
class SongPrompt:
    """What one song is asked with: the template, the request, and the page it is grounded on."""

    template: PromptTemplate
    request: PromptRequest
    page: SongPage | None = None  # None: ungrounded (no page, or no --ground)


def song_prompt(
    song: SongRef,
    lang: str,
    temperature: float,
    max_tokens: int | None,
    page: SongPage | None = None,
    budget: int = 0,
) -> SongPrompt:
    """The song's prompt: v2 with artist and title, or v3 with the page's facts as `page` data
    (`max_tokens` None: `default_max_tokens`)."""
    max_tokens = max_tokens or default_max_tokens(lang, page is not None)
    template = describe_template(lang, grounded=page is not None)
    data = song_data(song.title, song.artist)
    if page is not None:
        data["page"] = page_facts(page, budget)
    params = describe_params(temperature, max_tokens, grounded=page is not None)
    return SongPrompt(template, PromptRequest(template.messages("song", data), template.id, params), page)


async def describe_song(caller: LLMCaller, song: SongRef, prompt: SongPrompt) -> Description:
    """Raises only BudgetExceeded; every other failure becomes a `failed` record."""
    request, template, page = prompt.request, prompt.template, prompt.page
    if page is not None:  # a grounded reply is checked against its own page too: a wrong year there is a page ignored
        song = dataclasses.replace(song, album=song.album or page.album, year=song.year or page.year)
    reply = await ask_structured(caller, template, request.messages, request.params, parse_description)
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
        grounded=page is not None,
        ground_url=page.canonical_url if page is not None else None,
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
        if page is not None:
            record.grounded_on = reply.value.grounded_on
            record.genre_check = compare_genres(page.genres, reply.value.fields.get("genre", ""))
    else:
        record.status = "abstained"
    return record
