"""Describe one song: build the messages, call, validate, make one repair turn, keep failures raw."""

from __future__ import annotations

from crossmusim.prompting.base import LLMError, RequestParams, Usage
from crossmusim.prompting.caller import LLMCaller
from crossmusim.prompting.prompt import PromptTemplate, song_data
from crossmusim.prompting.replies import DESCRIPTION_SCHEMA, ReplyError, parse_description
from crossmusim.records import Description, SongRef


def describe_params(temperature: float = 0.2, max_tokens: int = 700) -> RequestParams:
    return RequestParams(temperature=temperature, max_tokens=max_tokens, seed=0, json_schema=DESCRIPTION_SCHEMA)


async def describe_song(caller: LLMCaller, template: PromptTemplate, song: SongRef,
                        params: RequestParams) -> Description:
    """Raises only BudgetExceeded; every other failure becomes a `failed` record."""
    record = Description(
        song_id=song.id, title=song.title, artist=song.artist, album=song.album, year=song.year,
        status="failed", model=caller.model.name, provider=caller.model.provider.name,
        model_id=caller.model.model_id, prompt_version=template.id, lang=template.lang,
    )
    usage, cost = Usage(), 0.0
    messages = template.messages("song", song_data(song.title, song.artist, song.album, song.year))
    try:
        completion, _ = await caller.call(messages, template.id, params)
        usage += completion.usage
        cost += caller.cost(completion)
        try:
            parsed = parse_description(completion.text, completion.finish_reason)
        except ReplyError as problem:
            record.repaired = True
            repair = template.repair_messages(messages, completion.text, str(problem))
            completion, _ = await caller.call(repair, template.id, params)
            usage += completion.usage
            cost += caller.cost(completion)
            parsed = parse_description(completion.text, completion.finish_reason)
    except ReplyError as problem:
        record.error = f"invalid reply after one repair turn: {problem}"
        record.raw = completion.text
        record.finish_reason = completion.finish_reason
    except LLMError as exc:
        record.error = str(exc)
    else:
        record.status = "described" if parsed.known else "abstained"
        if parsed.known:
            record.fields = parsed.fields
            record.description = parsed.description
        record.finish_reason = completion.finish_reason
    record.usage = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}
    record.cost_usd = round(cost, 10)
    return record
