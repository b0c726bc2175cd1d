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

from crossmusim.lazy import lazy_exports

_EXPORTS = {"build_dataset": "pipeline", "BuildConfig": "build_config"}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
