"""Logging setup shared by every command: one format, quiet third-party loggers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


_THIRD_PARTY = ("scrapy", "twisted", "asyncio", "scrapy_playwright", "playwright")


class _OwnRecordsOnly(logging.Filter):
    """The terminal shows crossmusim's own lines; Scrapy's and Twisted's (retries given up, robots.txt
    failures with tracebacks) go to the run's log file, and to the terminal with --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_THIRD_PARTY)


def setup_logging(verbose: bool = False, debug: bool = False) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_crossmusim", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
        handler._crossmusim = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for old in [f for f in handler.filters if isinstance(f, _OwnRecordsOnly)]:
        handler.removeFilter(old)
    if not (verbose or debug):
        handler.addFilter(_OwnRecordsOnly())
    root.setLevel(level)
    logging.getLogger("crossmusim").setLevel(logging.DEBUG if debug else logging.INFO)
    quiet_third_party_loggers()


def quiet_third_party_loggers() -> None:
    """Scrapy and Twisted are chatty at INFO; their detail is only useful with --debug."""
    debug = logging.getLogger().level <= logging.DEBUG
    for noisy in ("scrapy", "twisted", "asyncio", "filelock", "urllib3", "playwright", "scrapy_playwright"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)


@contextlib.contextmanager
def log_to_file(path: Path, level: int = logging.INFO) -> Iterator[None]:
    """Also append crossmusim's and Scrapy's warnings to `path` (INFO for crossmusim) while inside."""
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
