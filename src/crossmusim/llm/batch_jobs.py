"""Provider batch jobs end to end (OpenAI's Batch API; DashScope and others serve the same endpoints):
upload the batch file, create the job, poll it, download its results and errors.

The job's state lives in `DIR/batch-job.json`, written before the first poll, so a run that stops
(Ctrl-C, a lost connection, a closed laptop) resumes polling the same job on its next start instead
of submitting (and paying for) the requests again. A job that ends failed, expired or cancelled is
reported with its errors, and the next run submits what is still unanswered anew.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_json, read_text

logger = logging.getLogger("crossmusim.llm")
STATE_FILE = "batch-job.json"
RESULTS_FILE = "batch-results.jsonl"
ERRORS_FILE = "batch-errors.jsonl"
DONE = ("completed",)
ENDED = ("failed", "expired", "cancelled")


@dataclass
class BatchJob:
    batch_id: str
    input_file_id: str
    requests: int
    status: str = "submitted"  # the provider's status; "ingested" once its results are in the cache
    output_file_id: str | None = None
    error_file_id: str | None = None

    @classmethod
    def load(cls, folder: Path) -> BatchJob | None:
        path = folder / STATE_FILE
        return cls(**json.loads(read_text(path))) if path.exists() else None

    def save(self, folder: Path) -> None:
        atomic_write_json(folder / STATE_FILE, asdict(self))


def batch_client(base_url: str, api_key: str | None, timeout: float):
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key=api_key or "EMPTY", timeout=timeout, max_retries=3)


def submit(client, folder: Path, requests_file: Path, requests: int) -> BatchJob:
    with requests_file.open("rb") as handle:
        uploaded = client.files.create(file=handle, purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")
    job = BatchJob(batch.id, uploaded.id, requests, batch.status)
    job.save(folder)  # before the first poll: a stopped run resumes this job, never submits twice
    logger.info("batch %s submitted: %d requests", job.batch_id, requests)
    return job


def wait(
    client, folder: Path, job: BatchJob, *, poll: float, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    """Poll until the job ends; download its results (and errors) beside the state file."""
    while True:
        batch = client.batches.retrieve(job.batch_id)
        counts = getattr(batch, "request_counts", None)
        if batch.status != job.status:
            job.status = batch.status
            job.save(folder)
            done = f" ({counts.completed} done, {counts.failed} failed of {counts.total})" if counts else ""
            logger.info("batch %s: %s%s", job.batch_id, batch.status, done)
        if batch.status in DONE:
            break
        if batch.status in ENDED:
            errors = getattr(batch, "errors", None)
            detail = "; ".join(e.message or e.code or "" for e in (errors.data or [])) if errors else ""
            raise UserError(
                f"batch {job.batch_id} ended {batch.status}{': ' + detail if detail else ''}: run the same command "
                "again to submit the unanswered requests anew"
            )
        sleep(poll)
    job.output_file_id, job.error_file_id = batch.output_file_id, batch.error_file_id
    fetched = {"results": 0, "errors": 0}
    for file_id, name, key in (
        (job.output_file_id, RESULTS_FILE, "results"),
        (job.error_file_id, ERRORS_FILE, "errors"),
    ):
        if file_id:
            data = client.files.content(file_id).content
            (folder / name).write_bytes(data)
            fetched[key] = data.count(b"\n")
    job.save(folder)
    return {"batch_id": job.batch_id, "requests": job.requests, **fetched}
