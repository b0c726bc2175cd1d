"""Evaluation: metrics, embedding, baselines, and the evaluation as a library call.

    from crossmusim.evaluation import EvaluateConfig, evaluate
    result = evaluate(EvaluateConfig(models=[Path("runs/x")], baselines=["musicnn-std"], dataset=Path("data")))
    print(result.table)

The names below are imported on first use (PEP 562), so importing `crossmusim.evaluation.metrics`
does not load torch.
"""

from __future__ import annotations

from crossmusim.lazy import lazy_exports

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
__getattr__ = lazy_exports(__name__, _EXPORTS)
