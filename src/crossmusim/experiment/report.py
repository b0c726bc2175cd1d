"""An experiment's report: `experiment.json` (settings, stages, the table, the paired gains, the chosen
variant) and `report.md` (the same, readable), beside the per-seed evaluation reports."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from crossmusim.experiment.config import ExperimentConfig
from crossmusim.experiment.result import ExperimentResult, seed_folder
from crossmusim.experiment.table import markdown
from crossmusim.io import atomic_write_json, atomic_write_text


def report_dict(config: ExperimentConfig, result: ExperimentResult) -> dict[str, Any]:
    return {
        "settings": {
            "dataset": {
                k: [str(x) for x in v] if isinstance(v, list | tuple) else str(v) for k, v in config.dataset.items()
            },  # fmt: skip
            "seeds": config.seeds,
            "variants": config.variants,
            "baselines": config.baselines,
            "reference": config.reference,
            "preset": config.preset,
            "overrides": config.overrides,
            "unmasked": config.unmasked,
            "models": [str(m) for m in config.models],
        },
        "stages": [asdict(s) for s in result.stages],
        "best_variant": result.best,
        "table": result.table,
        "gains": result.gains,
        "seed_gains": result.seed_gains,
        "evaluations": [str(seed_folder(config, entry.seed) / "evaluation") for entry in result.seeds],
    }


def tables_markdown(result: ExperimentResult, reference: str) -> list[str]:
    """The two tables every experiment report shows (the demo's report too)."""
    return [
        "## Evaluation on the test artists (percent, mean ± spread over seeds)",
        "",
        markdown(result.table),
        "",
        f"## Gains over {reference}, paired by seed (mean ± spread, wins/seeds; same artist: lower wins)",
        "",
        markdown(result.gains),
        "",
        f"## Gains over {reference} in each seed (points, 95% interval: the test artists resampled, paired)",
        "",
        markdown(result.seed_gains),
        "",
    ]


def write_report(config: ExperimentConfig, result: ExperimentResult) -> Path:
    report = report_dict(config, result)
    atomic_write_json(config.out / "experiment.json", report)
    lines = [
        "# crossmusim experiment",
        "",
        f"Seeds {config.seeds}; variants {', '.join(f'{k} ({v})' for k, v in config.variants.items())}; preset "
        f"`{config.preset}`; the best variant by validation: **{result.best}**"
        + (" (trained again unmasked: `-unmasked`)." if config.unmasked else "."),
        "",
        *tables_markdown(result, config.reference),
        "Per-seed reports: " + ", ".join(report["evaluations"]),
        "",
    ]
    atomic_write_text(config.out / "report.md", "\n".join(lines))
    return config.out / "report.md"
