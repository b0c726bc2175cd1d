"""LLM aspect extraction: a versioned prompt (en/zh by the text's language), validated JSON replies,
one repair turn, cached and costed through the same caller as `generate`."""

from __future__ import annotations

from crossmusim.aspects.base import normalise_aspects
from crossmusim.aspects.vocabulary import Vocabulary, is_chinese
from crossmusim.prompting.base import LLMError, RequestParams, Usage
from crossmusim.prompting.caller import LLMCaller
from crossmusim.prompting.prompt import load_template
from crossmusim.prompting.replies import ASPECTS_SCHEMA, ReplyError, parse_aspects
from crossmusim.records import AspectRecord, TextUnit

PARAMS = RequestParams(temperature=0.0, max_tokens=300, seed=0, json_schema=ASPECTS_SCHEMA)


class LLMAspectExtractor:
    def __init__(self, caller: LLMCaller, vocabulary: Vocabulary | None = None) -> None:
        self.caller = caller
        self.vocabulary = vocabulary
        self.templates = {lang: load_template("aspects", lang) for lang in ("en", "zh")}

    @property
    def name(self) -> str:
        return f"llm:{self.caller.model.name}"

    async def extract(self, unit: TextUnit) -> AspectRecord:
        """Raises only BudgetExceeded; other failures become `failed` records with the raw reply."""
        lang = "zh" if is_chinese(unit.text) else "en"
        template = self.templates[lang]
        record = AspectRecord(unit.id, unit.field, lang, self.name, status="failed", prompt_version=template.id)
        messages = template.messages("text", {"text": unit.text})
        usage, cost = Usage(), 0.0
        try:
            completion, _ = await self.caller.call(messages, template.id, PARAMS)
            usage += completion.usage
            cost += self.caller.cost(completion)
            try:
                aspects = parse_aspects(completion.text, completion.finish_reason)
            except ReplyError as problem:
                repair = template.repair_messages(messages, completion.text, str(problem))
                completion, _ = await self.caller.call(repair, template.id, PARAMS)
                usage += completion.usage
                cost += self.caller.cost(completion)
                aspects = parse_aspects(completion.text, completion.finish_reason)
        except ReplyError as problem:
            record.error, record.raw = f"invalid reply after one repair turn: {problem}", completion.text
        except LLMError as exc:
            record.error = str(exc)
        else:
            record.status = "ok"
            record.aspects = normalise_aspects(aspects, self.vocabulary)
        record.usage = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}
        record.cost_usd = round(cost, 10)
        return record
