"""Curation: text sources -> cleaned, masked, deduplicated text-audio pairs in a Hugging Face dataset.

    from crossmusim.curation import BuildConfig, build_dataset
    summary = build_dataset(BuildConfig(out=Path("data"), open=["pairs=my-pairs.csv"], tags=Path("tags.csv")))
    print(summary["rows"])

The build runs in blocks: `readers` (inputs streamed, malformed rows counted), the per-record `steps`
(their list follows `filters`), dedup, `pairing` (texts joined to audio), `split_rows` (artist-disjoint
splits), `hf_dataset` (Arrow, a batch at a time) and `build_report` (stats, report, card). The names
below are imported on first use (PEP 562), so importing one step does not load the rest.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {"build_dataset": "pipeline", "BuildConfig": "pipeline"}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'crossmusim.curation' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"crossmusim.curation.{_EXPORTS[name]}"), name)
