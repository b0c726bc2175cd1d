"""Keeping the demo's stages apart: the crawl in a spawned process of its own (Scrapy's reactor runs once
per process), and crossmusim's terminal log handler pointed at a stage's log file while it runs."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path


@contextlib.contextmanager
def logging_to(stream: io.TextIOBase):
    """Point crossmusim's terminal log handler at `stream` while inside (the demo prints its own lines)."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_crossmusim", False)]
    old = [h.setStream(stream) for h in handlers]  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for handler, previous in zip(handlers, old, strict=True):
            handler.setStream(previous)  # type: ignore[attr-defined]


def crawl_in_process(config, log_path: Path) -> None:
    """The crawl in a spawned process, its output and logs in `log_path`; failure is the exit code."""
    from crossmusim.crawlers.runner import run_crawl
    from crossmusim.logs import setup_logging

    with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        setup_logging(verbose=True)
        try:
            run_crawl(config)
        except Exception as exc:  # the parent reports the exit code and points at this log
            log.write(f"crossmusim: {exc}\n")
            raise SystemExit(1) from None
