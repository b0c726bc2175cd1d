"""`crossmusim aspects`: every text of an input file -> normalised aspects, by LLM or lexicon."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.llm import LLMAspectExtractor
from crossmusim.aspects.texts import load_texts
from crossmusim.aspects.vocabulary import is_chinese, load_vocabulary
from crossmusim.errors import UserError
from crossmusim.io import JsonlAppender, atomic_write_json, read_jsonl
from crossmusim.prompting.cache import RequestCache
from crossmusim.prompting.caller import LLMCaller
from crossmusim.prompting.connect import open_client
from crossmusim.prompting.jobs import run_jobs_to_file
from crossmusim.prompting.limits import Budget, RateLimiter
from crossmusim.prompting.registry import resolve
from crossmusim.records import AspectRecord

ASPECTS_FILE = "aspects.jsonl"
SUMMARY_FILE = "aspects-summary.json"


@dataclass
class AspectsConfig:
    input: Path
    out_dir: Path
    extractor: str = "lexicon"  # lexicon | llm
    llm: str | None = None
    provider: str | None = None
    base_url: str | None = None
    models_file: Path | None = None
    vocab: list[str] = field(default_factory=list)
    concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None
    max_cost: float | None = None
    timeout: float = 60.0
    retries: int = 5
    cache_path: Path | None = None


def run_aspects(config: AspectsConfig) -> dict[str, Any]:
    if config.extractor == "llm" and not config.llm:
        raise UserError("--extractor llm needs --llm NAME")
    if config.extractor not in ("llm", "lexicon"):
        raise UserError(f"--extractor {config.extractor!r}: choose lexicon or llm")
    vocabulary = load_vocabulary(config.vocab)
    units = load_texts(config.input)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    out_path = config.out_dir / ASPECTS_FILE
    done = {(r["id"], r["field"]) for r in read_jsonl(out_path)} if out_path.exists() else set()
    todo = [u for u in units if (u.id, u.field) not in done]
    summary: dict[str, Any] = {"input": str(config.input), "texts": len(units), "already_done": len(units) - len(todo),
                               "vocabulary": vocabulary.sources, "vocabulary_forms": len(vocabulary)}
    if config.extractor == "lexicon":
        lexicon = LexiconExtractor(vocabulary)
        with JsonlAppender(out_path) as out:
            for unit in todo:
                lang = "zh" if is_chinese(unit.text) else "en"
                out.write(AspectRecord(unit.id, unit.field, lang, "lexicon", aspects=lexicon.extract(unit.text)))
        summary.update(extractor="lexicon", written_this_run=len(todo), stopped=None)
    else:
        model = resolve(config.llm or "", config.provider, config.models_file)
        cache = RequestCache(config.cache_path or config.out_dir / "llm-cache.sqlite")
        caller = LLMCaller(None, model, cache, limiter=RateLimiter(config.rpm, config.tpm),
                           budget=Budget(config.max_cost), retries=config.retries)
        try:
            with open_client(model, config.base_url, timeout=config.timeout, log_dir=config.out_dir) as client:
                caller.client = client
                extractor = LLMAspectExtractor(caller, vocabulary)
                outcome = asyncio.run(run_jobs_to_file(client, todo, extractor.extract, out_path,
                                                       concurrency=config.concurrency, progress_label="aspects"))
        finally:
            cache.close()
        summary.update(extractor=extractor.name, written_this_run=outcome.written, stopped=outcome.stopped,
                       requests_sent=caller.stats.requests, cache_hits=caller.stats.cache_hits,
                       cost_this_run_usd=round(caller.stats.cost_usd, 6))
    records = [AspectRecord.from_dict(r) for r in read_jsonl(out_path)]
    status = Counter(r.status for r in records)
    tags = Counter(tag for r in records for tag in r.aspects)
    summary.update(records=len(records), ok=status["ok"], failed=status["failed"],
                   top_aspects=tags.most_common(30))
    atomic_write_json(config.out_dir / SUMMARY_FILE, summary)
    return summary
