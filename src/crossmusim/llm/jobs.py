"""Run many LLM jobs concurrently and write their records in input order.

Writing in input order makes an output file that a crash cannot reorder: a resumed run continues
after the last written record, and with every earlier reply in the cache it produces the same file.
Ctrl-C stops taking new jobs, lets the ones in flight finish and be written, then returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crossmusim.io import JsonlAppender
from crossmusim.llm.limits import BudgetExceeded

T = TypeVar("T")
logger = logging.getLogger("crossmusim.llm")


@dataclass
class JobsOutcome:
    written: int = 0
    stopped: str | None = None  # None | "budget" | "interrupted"
    stop_detail: str = ""


async def run_jobs(
    items: Sequence[T],
    job: Callable[[T], Awaitable[Any]],
    out: JsonlAppender,
    *,
    concurrency: int,
    progress_label: str = "",
    on_record: Callable[[Any], None] | None = None,
    progress_interval: float = 10.0,
) -> JobsOutcome:
    outcome = JobsOutcome()
    bar = _progress_bar(progress_label, len(items))
    done: dict[int, Any] = {}
    next_to_write = 0
    next_to_start = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    last_report = started

    def interrupt() -> None:
        if not stop.is_set():
            outcome.stopped = outcome.stopped or "interrupted"
            logger.warning("interrupted: finishing the requests in flight (Ctrl-C again to abort)")
            stop.set()
            loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C aborts at once

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, interrupt)

    def flush() -> None:
        nonlocal next_to_write, last_report
        while next_to_write in done:
            record = done.pop(next_to_write)
            out.write(record)
            if on_record is not None:
                on_record(record)
            next_to_write += 1
            outcome.written += 1
            if bar is not None:
                bar.advance(bar.task_ids[0])
        now = time.monotonic()
        if progress_label and bar is None and now - last_report >= progress_interval:
            last_report = now
            rate = outcome.written / max(now - started, 1e-9)
            logger.info("%s: %d/%d written (%.1f/s)", progress_label, outcome.written, len(items), rate)

    async def worker() -> None:
        nonlocal next_to_start
        while not stop.is_set() and next_to_start < len(items):
            index = next_to_start
            next_to_start += 1
            try:
                done[index] = await job(items[index])
            except BudgetExceeded as exc:
                outcome.stopped, outcome.stop_detail = "budget", str(exc)
                stop.set()
                return
            flush()

    try:
        if bar is not None:
            bar.start()
        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        if bar is not None:
            bar.stop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
    flush()
    if done:  # results after a gap left by a stop stay unwritten; their replies are in the cache
        logger.info("%d finished records wait for an earlier one; a rerun writes them from the cache", len(done))
    return outcome


def _progress_bar(label: str, total: int) -> Progress | None:
    """A live bar on an interactive terminal; logs every few seconds elsewhere (CI, files)."""
    if not label or not sys.stderr.isatty():
        return None
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.add_task(label, total=total)
    return bar


async def run_jobs_to_file(
    client, items: Sequence[T], job: Callable[[T], Awaitable[Any]], out_path, *, concurrency: int, progress_label: str
) -> JobsOutcome:
    """`run_jobs` appending to `out_path`, closing the LLM client inside the loop it belongs to."""
    try:
        with JsonlAppender(out_path) as out:
            return await run_jobs(items, job, out, concurrency=concurrency, progress_label=progress_label)
    finally:
        if client is not None:
            await client.aclose()
