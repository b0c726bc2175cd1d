"""A build's first block: every text input read and streamed, malformed rows counted and dropped (or
raised with `--strict`), each input in a content order so that a file's own order never changes the
dataset."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossmusim.curation.base import CurationStats, DropSink
from crossmusim.curation.pairs import PAIRS_INPUTS, PairsFile
from crossmusim.curation.sources import OPEN_READERS, read_aspects, read_crawl, read_generated, song_infos
from crossmusim.curation.spill import external_sort
from crossmusim.errors import InputFormatError, UserError
from crossmusim.records import TextRecord

if TYPE_CHECKING:
    from crossmusim.curation.build_config import BuildConfig


def read_inputs(
    config: BuildConfig, pairs: list[PairsFile], stats: CurationStats, sink: DropSink, work: Path
) -> Iterator[TextRecord]:
    """Every input's records, streamed: within each input in a content order, inputs in theirs."""
    readers = [(p, read_crawl) for p in config.crawl] + [(p, read_generated) for p in config.generated]
    readers += [(f.path, lambda path, f=f: iter(f.records)) for f in pairs]
    for spec in config.open:
        name, sep, value = spec.partition("=")
        if name in PAIRS_INPUTS and sep:
            continue
        if not sep or name not in OPEN_READERS:
            names = ", ".join([*PAIRS_INPUTS, *OPEN_READERS])
            raise UserError(f"--open {spec!r}: expected NAME=FILE with NAME one of {names}")
        readers.append((Path(value), OPEN_READERS[name]))
    infos = song_infos(config.crawl, config.generated) if config.aspects else {}
    readers += [(p, lambda path, infos=infos: read_aspects(path, infos)) for p in config.aspects]
    for path, _ in readers:
        if not path.exists():
            raise UserError(f"{path}: input not found")
    for path, reader in readers:
        # A file's own order (a concurrent crawl's arrival order) must not change the dataset: within
        # each input, texts go in a content order; inputs keep theirs (earlier inputs win duplicates).
        records = _well_formed(path, reader(path), config.strict, stats, sink)
        yield from external_sort(
            records, _content_order, chunk=config.chunk_records, workdir=work, decode=record_from_json
        )


def _well_formed(
    path: Path, items: Iterable[TextRecord | InputFormatError], strict: bool, stats: CurationStats, sink: DropSink
) -> Iterator[TextRecord]:
    for item in items:
        if isinstance(item, InputFormatError):
            if strict:
                raise item
            stats.count("read", str(path), "dropped_malformed")
            sink.drop("read", "malformed", {"error": str(item)})
            continue
        stats.count("read", item.source, "kept")
        yield item


def record_from_json(data: dict[str, Any]) -> TextRecord:
    return TextRecord(**data)


def _content_order(record: TextRecord) -> tuple[str, ...]:
    return (record.source_id, record.title, record.artist, record.text_type, record.text, "; ".join(record.aspects))
