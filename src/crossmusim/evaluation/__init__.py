"""Evaluation: metrics, embedding, baselines, and the evaluation as a library call.

    from crossmusim.evaluation import EvaluateConfig, evaluate
    result = evaluate(EvaluateConfig(models=[Path("runs/x")], baselines=["musicnn-std"], dataset=Path("data")))
    print(result.table)

The names below are imported on first use (PEP 562), so importing `crossmusim.evaluation.metrics`
does not load torch.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "evaluate": "run",
    "EvaluateConfig": "run",
    "Evaluation": "run",
    "embed": "embed_run",
    "EmbedConfig": "embed_run",
    "Embedded": "embed_run",
    "embed_tracks": "whole_tracks",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'crossmusim.evaluation' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"crossmusim.evaluation.{_EXPORTS[name]}"), name)
