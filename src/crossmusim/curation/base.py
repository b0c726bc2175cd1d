"""Curation blocks: a filter decides `keep(record)`; the base class counts and keeps the dropped.

Every step reports `kept` and `dropped_<reason>` per source into one `CurationStats`, and every
dropped record is appended to `dropped.jsonl` with its step and reason, for audit.
"""

from __future__ import annotations

import abc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict

from crossmusim.io import JsonlAppender
from crossmusim.records import TextRecord

Verdict = bool | tuple[bool, str]


class CurationStats:
    def __init__(self) -> None:
        self.by_step: dict[str, Counter[str]] = defaultdict(Counter)
        self.by_source: dict[str, Counter[str]] = defaultdict(Counter)

    def count(self, step: str, source: str, outcome: str, n: int = 1) -> None:
        self.by_step[step][outcome] += n
        self.by_source[source][f"{step}:{outcome}"] += n

    def merge(self, counts: dict[str, dict[str, dict[str, int]]]) -> None:
        """Add counts made elsewhere (another process's `as_dict()`)."""
        for step, outcomes in counts["by_step"].items():
            self.by_step[step].update(outcomes)
        for source, outcomes in counts["by_source"].items():
            self.by_source[source].update(outcomes)

    def as_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        return {
            "by_step": {k: dict(sorted(v.items())) for k, v in sorted(self.by_step.items())},
            "by_source": {k: dict(sorted(v.items())) for k, v in sorted(self.by_source.items())},
        }


class DropSink:
    """Where dropped records go (`None`: count only); the first example of each (step, reason) is kept
    (its file:line, else the error or the record's id) so that a build can say what it dropped."""

    def __init__(self, writer: JsonlAppender | None) -> None:
        self.writer = writer
        self.first: dict[tuple[str, str], str] = {}

    def drop(self, step: str, reason: str, record: TextRecord | dict) -> None:
        data = asdict(record) if isinstance(record, TextRecord) else record
        self.replay({"step": step, "reason": reason, "record": data})

    def replay(self, event: dict) -> None:
        """One drop event (`step`, `reason`, `record`), made here or in another process (a Ray task)."""
        if (event["step"], event["reason"]) not in self.first:
            self.first[(event["step"], event["reason"])] = example_of(event["record"])
        if self.writer is not None:
            self.writer.write(event)


def example_of(data: dict) -> str:
    """Where a dropped record came from, for a one-line report: its origin (file:line), else an error's
    text, else its source and id."""
    inner = data.get("record") if isinstance(data.get("record"), dict) else data
    if inner.get("origin"):
        return str(inner["origin"])
    if data.get("error"):
        return str(data["error"])
    return f"{inner.get('source', '?')}:{inner.get('source_id', '?')}"


class Filter(abc.ABC):
    """`keep(record)` returns True, False, or (False, reason)."""

    name: str = "filter"
    default_reason: str = "filtered"

    @abc.abstractmethod
    def keep(self, record: TextRecord) -> Verdict: ...

    def apply(self, records: Iterable[TextRecord], stats: CurationStats, sink: DropSink) -> Iterator[TextRecord]:
        for record in records:
            verdict = self.keep(record)
            kept, reason = (verdict, self.default_reason) if isinstance(verdict, bool) else verdict
            if kept:
                stats.count(self.name, record.source, "kept")
                yield record
            else:
                stats.count(self.name, record.source, f"dropped_{reason}")
                sink.drop(self.name, reason, record)


class Transform(abc.ABC):
    """A step that changes records in place and never drops (cleaning, language id, masking)."""

    name: str = "transform"

    @abc.abstractmethod
    def transform(self, record: TextRecord) -> None: ...

    def apply(self, records: Iterable[TextRecord], stats: CurationStats, sink: DropSink) -> Iterator[TextRecord]:
        for record in records:
            self.transform(record)
            stats.count(self.name, record.source, "done")
            yield record


class ForRecords:
    """Runs `step` on the records `chosen(record)` picks; the others pass it by, counted as `not_applied`
    (curated pairs pass the web-text filters unless `--filters` names them)."""

    def __init__(self, step: Filter | Transform, chosen: Callable[[TextRecord], bool]) -> None:
        self.step, self.chosen = step, chosen
        self.name = step.name

    def apply(self, records: Iterable[TextRecord], stats: CurationStats, sink: DropSink) -> Iterator[TextRecord]:
        for record in records:
            if self.chosen(record):
                yield from self.step.apply((record,), stats, sink)
            else:
                stats.count(self.name, record.source, "not_applied")
                yield record
