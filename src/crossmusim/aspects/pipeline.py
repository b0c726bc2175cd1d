"""`crossmusim aspects`: every text of an input file -> normalised aspects, by LLM or lexicon."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.aspects.base import AspectExtractor
from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.llm import LLMAspectExtractor
from crossmusim.aspects.texts import load_texts
from crossmusim.aspects.vocabulary import load_vocabulary, read_ids
from crossmusim.errors import UserError
from crossmusim.io import atomic_write_json, read_jsonl
from crossmusim.llm.jobs import run_jobs_to_file
from crossmusim.llm.session import LLMOptions, LLMSession, spent_in
from crossmusim.outputs import check_output_folder
from crossmusim.records import AspectRecord

ASPECTS_FILE = "aspects.jsonl"
SUMMARY_FILE = "aspects-summary.json"
EXTRACTORS = ("lexicon", "llm")


@dataclass
class AspectsConfig:
    input: Path
    out_dir: Path
    extractor: str = "lexicon"  # lexicon | llm
    llm: LLMOptions = field(default_factory=LLMOptions)
    vocab: list[str] = field(default_factory=list)
    exclude_ids: Path | None = None  # ids kept out of a MusicCaps vocabulary


def run_aspects(config: AspectsConfig) -> dict[str, Any]:
    if config.extractor not in EXTRACTORS:
        raise UserError(f"--extractor {config.extractor!r}: choose lexicon or llm")
    if config.extractor == "llm" and not config.llm.llm:
        raise UserError("--extractor llm needs --llm NAME")
    check_output_folder(config.out_dir, "aspects")
    out_path = config.out_dir / ASPECTS_FILE
    existing = list(read_jsonl(out_path)) if out_path.exists() else []  # read once: what is done, what it cost
    session = (
        LLMSession(config.llm, config.out_dir, spent_usd=spent_in(existing)) if config.extractor == "llm" else None
    )
    excluded = read_ids(config.exclude_ids) if config.exclude_ids else None
    vocabulary = load_vocabulary(config.vocab, exclude_ids=excluded)
    units = load_texts(config.input)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    done = {(r["id"], r["field"]) for r in existing}
    todo = [u for u in units if (u.id, u.field) not in done]
    summary: dict[str, Any] = {
        "input": str(config.input),
        "texts": len(units),
        "already_done": len(units) - len(todo),
        "vocabulary": vocabulary.sources,
        "vocabulary_forms": len(vocabulary),
    }
    if session is None:
        extractor: AspectExtractor = LexiconExtractor(vocabulary)
        outcome = asyncio.run(
            run_jobs_to_file(None, todo, extractor.record, out_path, concurrency=1, progress_label="")
        )
    else:
        with session:
            extractor = LLMAspectExtractor(session.caller, vocabulary)
            outcome = session.run(todo, extractor.record, out_path, label="aspects")
            summary.update(session.stats())
    summary.update(extractor=extractor.name, written_this_run=outcome.written, stopped=outcome.stopped)
    records = [AspectRecord.from_dict(r) for r in read_jsonl(out_path)]
    status = Counter(r.status for r in records)
    tags = Counter(tag for r in records for tag in r.aspects)
    with_aspects = sum(1 for r in records if r.status == "ok" and r.aspects)
    summary.update(
        records=len(records),
        ok=status["ok"],
        failed=status["failed"],
        with_aspects=with_aspects,
        without_aspects=status["ok"] - with_aspects,
        excluded_ids=len(excluded or ()),
        top_aspects=tags.most_common(30),
    )
    atomic_write_json(config.out_dir / SUMMARY_FILE, summary)
    return summary
