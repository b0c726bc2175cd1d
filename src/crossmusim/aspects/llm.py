"""LLM aspect extraction: a versioned prompt (en/zh by the text's language), validated JSON replies,
one repair turn, cached and costed through the same LLM runtime as `generate`."""

from __future__ import annotations

from crossmusim.aspects.base import AspectExtractor, normalise_aspects, text_lang
from crossmusim.aspects.replies import ASPECTS_SCHEMA, parse_aspects
from crossmusim.aspects.vocabulary import Vocabulary
from crossmusim.llm.base import RequestParams
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.structured import ask_structured
from crossmusim.llm.templates import load_template
from crossmusim.records import AspectRecord, TextUnit

PARAMS = RequestParams(temperature=0.0, max_tokens=300, seed=0, json_schema=ASPECTS_SCHEMA)


class LLMAspectExtractor(AspectExtractor):
    def __init__(self, caller: LLMCaller, vocabulary: Vocabulary | None = None) -> None:
        self.caller = caller
        self.vocabulary = vocabulary
        self.templates = {lang: load_template("crossmusim.aspects", "aspects", lang) for lang in ("en", "zh")}
        self.name = f"llm:{caller.model.name}"

    async def record(self, unit: TextUnit) -> AspectRecord:
        lang = text_lang(unit.text)
        template = self.templates[lang]
        messages = template.messages("text", {"text": unit.text})
        reply = await ask_structured(self.caller, template, messages, PARAMS, parse_aspects)
        record = AspectRecord(
            unit.id,
            unit.field,
            lang,
            self.name,
            status="failed" if reply.value is None else "ok",
            prompt_version=template.id,
            usage=reply.usage_dict(),
            cost_usd=round(reply.cost_usd, 10),
            error=reply.error,
            raw=reply.raw,
        )
        if reply.value is not None:
            record.aspects = normalise_aspects(reply.value, self.vocabulary)
        return record
