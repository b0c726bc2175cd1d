"""Progress on slow steps (decoding, feature extraction, embedding, writing Arrow): a tqdm bar on a
terminal; when the output is piped, a log line at least every `CROSSMUSIM_PROGRESS_SECONDS` (10 s)
while the step runs, so a long step is never silent. A step that ends sooner prints nothing."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

logger = logging.getLogger("crossmusim.progress")
Item = TypeVar("Item")


def interval() -> float:
    return float(os.environ.get("CROSSMUSIM_PROGRESS_SECONDS", "10"))


def progress(items: Iterable[Item], desc: str, total: int | None = None, unit: str = "item") -> Iterator[Item]:
    """`items`, counted: a bar on a terminal, else a line every `interval()` seconds."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    if sys.stderr.isatty():
        from tqdm import tqdm

        yield from tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr)
        return
    every = interval()
    started = last = time.monotonic()
    for done, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= every:
            of = f" of {total}" if total is not None else ""
            logger.info("%s: %d%s %s (%.0f s)", desc, done, of, plural(unit), now - started)
            last = now


def plural(unit: str) -> str:
    return unit + ("es" if unit.endswith(("ch", "s", "x")) else "s")
