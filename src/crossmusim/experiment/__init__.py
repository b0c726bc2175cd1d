"""Experiments: text-type variants x split seeds x baselines (and the masking ablation) on any
dataset, through the library calls, with the best variant chosen on validation only and paired gains.

    from crossmusim.experiment import read_experiment, run_experiment
    result = run_experiment(read_experiment(Path("configs/real-4q.toml")))
    print(result.table)

`crossmusim experiment CONFIG.toml` runs the same; `crossmusim demo` runs its grid through it.
"""

from __future__ import annotations

from crossmusim.lazy import lazy_exports

_EXPORTS = {
    "ExperimentConfig": "config",
    "read_experiment": "config",
    "run_experiment": "grid",
    "ExperimentRun": "grid",
    "ExperimentResult": "grid",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
