"""`build-dataset --engine ray`: the per-record steps as Ray Data batch transforms on a Ray cluster.

The steps that look at one record at a time (identity, LLM status, fact check, cleaning, language
id, length, music relevance, masking, sentence splitting) run in Ray tasks, a batch of records each;
the steps that need every record run where they belong, in this process: reading and sorting each
input before, exact and near deduplication, pairing with audio and the splits after. Ray Data keeps
the batches in order (`preserve_order`), and each record's outcome comes back in its place, so the
dataset is the one the local engine writes, byte for byte.

Each input chunk of `--chunk-records` records becomes one Ray dataset: the records travel through
Ray's object store (no shared filesystem is needed), and this process holds one chunk at a time.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from crossmusim.curation.base import CurationStats, DropSink
from crossmusim.curation.masking import MaskNames
from crossmusim.errors import UserError
from crossmusim.extras import require
from crossmusim.io import dumps_line
from crossmusim.records import TextRecord

logger = logging.getLogger("crossmusim.build")
BATCH_ROWS = 256
_STEPS: dict[str, tuple[list[Any], MaskNames]] = {}  # per worker process: built once, reused by its tasks


class _Collected:
    """A DropSink writer that keeps the events (a task's drops go back to the driver)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def write(self, event: Any) -> None:
        self.events.append(event)


def _steps(options: str) -> tuple[list[Any], MaskNames]:
    from crossmusim.curation.steps import per_record_steps  # in the worker: its own import

    if options not in _STEPS:
        settings = json.loads(options)
        masker = MaskNames()
        filters = settings.get("filters")
        steps = per_record_steps(
            settings["keep_contradicted"], settings["mask"], masker, None if filters is None else tuple(filters)
        )
        _STEPS[options] = (steps, masker)
    return _STEPS[options]


def run_steps_on_batch(batch: dict[str, Any], options: str) -> dict[str, list[str]]:
    """One batch of records (JSON lines) through the per-record steps: an outcome per record, in order
    (`kept` with the record, or `drop` with the drop event), then one `stats` row."""
    steps, masker = _steps(options)
    checked, leaked = masker.checked, masker.leaked
    stats, collected = CurationStats(), _Collected()
    sink = DropSink(collected)  # type: ignore[arg-type]
    kinds, payloads = [], []
    for line in batch["line"]:
        stream: Iterator[TextRecord] = iter([TextRecord(**json.loads(line))])
        for step in steps:
            stream = step.apply(stream, stats, sink)
        kept = list(stream)
        if kept:
            kinds.append("kept")
            payloads.append(dumps_line(kept[0]))
        else:
            kinds.append("drop")
            payloads.append(dumps_line(collected.events.pop()))
    summary = {"stats": stats.as_dict(), "checked": masker.checked - checked, "leaked": masker.leaked - leaked}
    kinds.append("stats")
    payloads.append(json.dumps(summary))
    return {"kind": kinds, "payload": payloads}


def _check_reachable(address: str) -> None:
    """Ray waits minutes on an address nobody answers at: try the port first (not for `auto`)."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--ray-address {address!r}: give HOST:PORT (the head's GCS), ray://HOST:10001 or auto")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise UserError(
            f"--ray-address {address}: nothing answers there ({exc.strerror or exc}): start the cluster "
            "(ray start --head) or fix the address"
        ) from exc


class RayRecordSteps:
    """Runs the per-record steps of a build on Ray; `apply` is a step like the local ones."""

    name = "ray"

    def __init__(
        self, *, address: str | None, keep_contradicted: bool, mask: bool, masker: MaskNames, chunk: int,
        filters: tuple[str, ...] | None = None,
    ):  # fmt: skip
        self.ray = require("ray", "ray")
        require("ray.data", "ray")
        self.options = json.dumps({"keep_contradicted": keep_contradicted, "mask": mask, "filters": filters})
        self.masker = masker
        self.chunk = chunk
        if address:
            _check_reachable(address)
        try:
            self.ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            where = address or "a local instance"
            raise UserError(f"--engine ray: cannot start or reach Ray at {where} ({exc}): check --ray-address") from exc
        context = self.ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # records come back in their order
        context.enable_progress_bars = False
        resources = self.ray.cluster_resources()
        logger.info("ray: %s CPUs in the cluster", int(resources.get("CPU", 0)))

    def apply(self, records: Iterable[TextRecord], stats: CurationStats, sink: DropSink) -> Iterator[TextRecord]:
        records = iter(records)
        while chunk := [dumps_line(r) for r in islice(records, self.chunk)]:
            dataset = self.ray.data.from_items([{"line": line} for line in chunk])
            outcomes = dataset.map_batches(
                run_steps_on_batch, fn_kwargs={"options": self.options}, batch_size=BATCH_ROWS, batch_format="numpy"
            )
            for batch in outcomes.iter_batches(batch_size=None, batch_format="numpy"):
                for kind, payload in zip(batch["kind"], batch["payload"], strict=True):
                    data = json.loads(payload)
                    if kind == "kept":
                        yield TextRecord(**data)
                    elif kind == "drop":
                        sink.replay(data)
                    else:
                        stats.merge(data["stats"])
                        self.masker.checked += data["checked"]
                        self.masker.leaked += data["leaked"]

    def close(self) -> None:
        self.ray.shutdown()
