"""`crossmusim generate`: describe songs with an LLM at scale, cached, resumable and costed."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.generate.describe import SongPrompt, describe_song, describe_template, song_prompt
from crossmusim.generate.ground import GROUND_BUDGET, CrawledPages, load_pages
from crossmusim.generate.songs import load_songs
from crossmusim.io import atomic_write_json, read_jsonl
from crossmusim.llm import batch_jobs
from crossmusim.llm.base import PromptRequest, redact
from crossmusim.llm.batch import ingest_batch, write_batch
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.limits import estimate_tokens
from crossmusim.llm.registry import ResolvedModel
from crossmusim.llm.session import LLMOptions, LLMSession, spent_in
from crossmusim.outputs import check_output_folder
from crossmusim.records import Description

logger = logging.getLogger("crossmusim.generate")
DESCRIPTIONS_FILE = "descriptions.jsonl"
SUMMARY_FILE = "generate-summary.json"
EXPECTED_COMPLETION_SHARE = 0.6  # of max_tokens, for the dry-run cost estimate


@dataclass
class GenerateConfig:
    songs: Path
    out_dir: Path
    llm: LLMOptions
    lang: str = "en"
    dry_run: bool = False
    limit: int | None = None
    max_year: int | None = 2020
    temperature: float = 0.2
    max_tokens: int | None = None  # None: by language, larger for grounded prompts (describe.default_max_tokens)
    ground: Path | None = None  # a crawl's output folder: songs with a page get it as the prompt's context
    ground_budget: int | None = None  # tokens of page facts per prompt; None: by language (GROUND_BUDGET)
    batch_file: Path | None = None
    ingest_batch: Path | None = None
    submit_batch: bool = False  # run the requests as a provider batch job: submit, poll, ingest
    poll_s: float = 30.0


def run_generate(config: GenerateConfig) -> dict[str, Any]:
    check_output_folder(config.out_dir, "generate")
    out_path = config.out_dir / DESCRIPTIONS_FILE
    existing = list(read_jsonl(out_path)) if out_path.exists() else []  # read once: what is done, what it cost
    session = LLMSession(config.llm, config.out_dir, spent_usd=spent_in(existing))
    load = load_songs(config.songs, max_year=config.max_year, limit=config.limit)
    for problem in load.problems[:20]:
        logger.warning("skipped %s", problem)
    done = {r["song_id"] for r in existing}
    todo = [s for s in load.songs if s.id not in done]
    pages = load_pages(config.ground) if config.ground is not None else None
    prompts = _prompts(config, todo, pages)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    with session:
        model, caller = session.model, session.caller
        summary: dict[str, Any] = {
            "model": model.name,
            "provider": model.provider.name,
            "model_id": model.model_id,
            "prompt_version": describe_template(config.lang).id,
            "songs_in_file": len(load.songs) + sum(load.dropped.values()),
            "dropped": dict(load.dropped),
            "already_done": len(load.songs) - len(todo),
            "todo": len(todo),
        }
        if pages is not None:
            grounded = sum(p.page is not None for p in prompts.values())
            summary["ground"] = {"pages": str(pages.source), "grounded": grounded, "without_page": len(todo) - grounded,
                                 "prompt_version": describe_template(config.lang, grounded=True).id}  # fmt: skip
        requests = {sid: p.request for sid, p in prompts.items()}
        if config.dry_run:
            return {**summary, **_dry_run(caller, requests)}
        if config.batch_file is not None:
            pending = [(sid, r) for sid, r in requests.items() if _cached(caller, r) is None]
            summary["batch_requests"] = write_batch(config.batch_file, caller, pending)
            summary["batch_file"] = str(config.batch_file)
            return summary
        if config.ingest_batch is not None:
            summary["batch"] = ingest_batch(config.ingest_batch, caller, requests)
        if config.submit_batch:
            summary["batch"] = _batch_job(config, session, requests)
            # Songs whose batch request failed get no record: the next run submits them anew.
            answered = [s for s in todo if _cached(caller, requests[s.id]) is not None]
            summary["batch"]["left_for_next_run"] = len(todo) - len(answered)
            todo = answered
        outcome = session.run(
            todo,
            lambda song: describe_song(caller, song, prompts[song.id]),
            out_path,
            label="generate",
            offline=config.ingest_batch is not None or config.submit_batch,
        )
        summary.update(_final_counts(out_path, outcome), **session.stats())
    atomic_write_json(config.out_dir / SUMMARY_FILE, summary)
    return summary


def _prompts(config: GenerateConfig, songs, pages: CrawledPages | None) -> dict[str, SongPrompt]:
    """Each song's prompt: grounded on its crawled page when --ground has one for it."""
    budget = config.ground_budget or GROUND_BUDGET.get(config.lang, GROUND_BUDGET["en"])
    page = pages.page_for if pages is not None else lambda song: None
    return {s.id: song_prompt(s, config.lang, config.temperature, config.max_tokens, page(s), budget) for s in songs}


def _cached(caller: LLMCaller, request: PromptRequest):
    return caller.cached(request.messages, request.prompt_id, request.params)


def _batch_job(config: GenerateConfig, session: LLMSession, requests: dict[str, PromptRequest]) -> dict[str, Any]:
    """Submit what the cache cannot answer as a provider batch job (or resume the job a stopped run
    left), wait for it, and put its results in the cache; the records are then written from the cache."""
    import openai  # the SDK takes 0.6 s to import: only for a batch job

    url, key = session.batch_endpoint()
    try:
        return _run_batch_job(config, session, batch_jobs.batch_client(url, key, config.llm.timeout), requests)
    except openai.APIError as exc:  # unreachable, refused key, unknown batch: one line, the job state kept
        raise UserError(
            redact(f"batch job at {url}: {type(exc).__name__}: {exc}", [key]) + ": fix it and run the same command "
            "again (a submitted job is resumed, not sent twice)"
        ) from None


def _run_batch_job(config: GenerateConfig, session: LLMSession, client, requests: dict[str, PromptRequest]) -> dict:
    folder, caller = config.out_dir, session.caller
    job = batch_jobs.BatchJob.load(folder)
    if job is None or job.status == "ingested" or job.status in batch_jobs.ENDED:
        pending = [(sid, r) for sid, r in requests.items() if _cached(caller, r) is None]
        if not pending:
            return {"requests": 0}
        requests_file = folder / "batch-requests.jsonl"
        write_batch(requests_file, caller, pending)
        job = batch_jobs.submit(client, folder, requests_file, len(pending))
    else:
        logger.info("resuming batch %s (%s)", job.batch_id, job.status)
    fetched = batch_jobs.wait(client, folder, job, poll=config.poll_s)
    results = folder / batch_jobs.RESULTS_FILE
    fetched.update(ingest_batch(results, caller, requests) if fetched["results"] else {})
    job.status = "ingested"
    job.save(folder)
    return fetched


def _final_counts(out_path: Path, outcome) -> dict[str, Any]:
    records = [Description.from_dict(r) for r in read_jsonl(out_path)] if out_path.exists() else []
    status = Counter(r.status for r in records)
    return {
        "written_this_run": outcome.written,
        "stopped": outcome.stopped,
        "stop_detail": outcome.stop_detail,
        "records": len(records),
        "described": status["described"],
        "abstained": status["abstained"],
        "failed": status["failed"],
        "grounded": sum(r.grounded for r in records),
        "genre_check": dict(Counter(r.genre_check for r in records if r.genre_check)),
        "cost_total_usd": round(sum(r.cost_usd for r in records), 6),
    }


def _dry_run(caller: LLMCaller, requests: dict[str, PromptRequest]) -> dict[str, Any]:
    pending = [r for r in requests.values() if _cached(caller, r) is None]
    prompt_tokens = sum(estimate_tokens(msg.content) for r in pending for msg in r.messages)
    completion_tokens = sum(r.params.max_tokens for r in pending)
    model: ResolvedModel = caller.model
    expected = model.cost(prompt_tokens, int(completion_tokens * EXPECTED_COMPLETION_SHARE))
    worst = model.cost(prompt_tokens, completion_tokens)
    first = next(iter(requests.values()), None)
    return {
        "dry_run": True,
        "calls": len(pending),
        "cached": len(requests) - len(pending),
        "prompt_tokens_estimate": prompt_tokens,
        "cost_estimate_usd": round(expected, 6) if model.priced else None,
        "cost_worst_case_usd": round(worst, 6) if model.priced else None,
        "first_prompt": [{"role": m.role, "content": m.content} for m in (first.messages if first else [])],
    }


def format_dry_run(summary: dict[str, Any]) -> str:
    lines = ["--- first prompt ---"]
    for message in summary["first_prompt"]:
        lines += [f"[{message['role']}]", message["content"]]
    cost = (
        "unknown (no prices for this model)"
        if summary["cost_estimate_usd"] is None
        else f"about ${summary['cost_estimate_usd']:.4f} (at most ${summary['cost_worst_case_usd']:.4f})"
    )
    lines += [
        "---",
        f"dry run: {summary['calls']} calls to {summary['model']} ({summary['provider']}, "
        f"{summary['model_id']}), {summary['cached']} answered from the cache, "
        f"~{summary['prompt_tokens_estimate']} prompt tokens, cost {cost}; nothing was sent",
    ]
    return "\n".join(lines)


def format_summary(summary: dict[str, Any]) -> str:
    return (
        f"generate {summary['stopped'] or 'finished'}: {summary['described']} described, "
        f"{summary['abstained']} abstained, {summary['failed']} failed ({summary['records']} records); "
        f"{summary['requests_sent']} requests sent, {summary['cache_hits']} cache hits, "
        f"{summary['retries']} retries; cost this run ${summary['cost_this_run_usd']:.4f}, "
        f"total ${summary['cost_total_usd']:.4f}"
    )
