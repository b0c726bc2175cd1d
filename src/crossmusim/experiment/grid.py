"""The experiment grid through the library calls: per split seed, build the dataset
(`curation.build_dataset`), train every text-type variant (`training.train`, each selected on the same
validation metric), pick the best variant by validation only (summed over seeds, never the test split),
train it again on an unmasked build of the same split (the masking ablation), and score every model
with every baseline on the seed's test songs in one `evaluation.evaluate` call. Then the table (mean ±
spread over seeds) and each model's gain over the reference paired by seed, with wins.

Every step is skipped when its output is complete (a dataset's stats.json, a run's summary.json, an
evaluation's metrics.json), and a run killed mid-training resumes from its last checkpoint: an
interrupted experiment continues where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crossmusim.experiment.config import ExperimentConfig, check_experiment
from crossmusim.experiment.ledger import StepLedger, settings_digest
from crossmusim.experiment.result import ExperimentResult, SeedResult, seed_folder
from crossmusim.experiment.stages import Stage
from crossmusim.experiment.table import gain_rows, seed_gain_rows, summary_rows


class ExperimentRun:
    """One experiment in `config.out`; `on_stage` hears each step as it ends (the demo prints them).
    `redo`: steps whose stored settings differ (`experiment.ledger`) are made again, with those after them."""

    def __init__(self, config: ExperimentConfig, on_stage: Callable[[Stage], None] | None = None, redo: bool = False):
        self.config = check_experiment(config)
        self.on_stage = on_stage
        self.stages: list[Stage] = []
        self.ledger = StepLedger(self.config.out, redo)
        self.digests: dict[str, str] = {}  # step -> the digest of its settings (a later step's inputs)
        self.dry = False

    def stage(self, stage: Stage) -> None:
        self.stages.append(stage)
        if self.on_stage is not None:
            self.on_stage(stage)

    def step(self, step: str, settings: dict[str, Any], output: Path) -> bool:
        """Compare the step's stored settings (stop, or with redo remove its output); record them unless
        dry. True when the step's work may go ahead (not dry)."""
        self.ledger.check(step, settings, output)
        self.digests[step] = settings_digest(settings) if self.dry else self.ledger.record(step, settings)
        return not self.dry

    def run(self) -> ExperimentResult:
        """Every stored setting the run can know before any work is compared first (a dry walk: nothing
        done, nothing written), then the grid. With redo there is nothing to stop for: the grid itself
        makes the changed steps again."""
        if not self.ledger.redo:
            self.dry = True
            self.walk()
            self.dry = False
        result = self.walk()
        assert result is not None  # only a dry walk returns none
        return result

    def walk(self) -> ExperimentResult | None:
        cfg = self.config
        seeds = []
        for seed in cfg.seeds:
            dataset = self.dataset(seed, mask=True)
            runs = {name: self.train(dataset, seed, name, types) for name, types in cfg.variants.items()}
            seeds.append(SeedResult(seed, dataset, runs))
        if self.dry and not all((run / "summary.json").is_file() for s in seeds for run in s.runs.values()):
            return None  # the best variant is not known before its runs: the later steps are compared then
        # Every run is selected on the same validation metric, so the variants compare fairly there.
        best = max(cfg.variants, key=lambda name: sum(validation_score(s.runs[name]) for s in seeds))
        for entry in seeds:
            if cfg.unmasked:  # the masking ablation, for the best variant by validation (never by test)
                unmasked = self.dataset(entry.seed, mask=False, splits_from=entry.dataset)
                name = f"{best}-unmasked"
                entry.runs[name] = self.train(unmasked, entry.seed, name, cfg.variants[best])
            entry.metrics = self.evaluate(entry)
        if self.dry:
            return None
        results = [entry.metrics["systems"] for entry in seeds]
        names = list(results[0])
        others = [n for n in names if n != cfg.reference]
        gains = gain_rows(results, others, cfg.reference)
        seed_gains = seed_gain_rows(results, [s.seed for s in seeds], others, cfg.reference)
        return ExperimentResult(seeds, best, summary_rows(results, names), gains, self.stages, seed_gains)

    def input_digest(self, dataset: Path) -> str:
        """What a step reading `dataset` lists among its inputs: the build step's digest, or a prebuilt path."""
        step = self.step_name(dataset)
        return self.digests.get(step, str(dataset))

    def step_name(self, folder: Path) -> str:
        return f"{folder.parent.name}/{folder.name}"

    def dataset(self, seed: int, mask: bool, splits_from: Path | None = None) -> Path:
        from crossmusim.curation import BuildConfig, build_dataset

        if self.config.prebuilt is not None:
            return self.config.prebuilt
        start = time.monotonic()
        out = seed_folder(self.config, seed) / ("dataset" if mask else "dataset-unmasked")
        settings = {"seed": seed, "mask": mask, "dataset": self.config.dataset,
                    "inputs": [self.input_digest(splits_from)] if splits_from is not None else []}  # fmt: skip
        if not self.step(self.step_name(out), settings, out):
            return out
        if not (out / "stats.json").is_file():
            fields = {**self.config.dataset, "mask": mask}
            if splits_from is not None:
                fields["splits_from"] = splits_from
            command = f"crossmusim experiment (seed {seed}{'' if mask else ', unmasked'})"
            build_dataset(BuildConfig(out=out, seed=seed, command=command, **fields))
        stats = json.loads((out / "stats.json").read_text("utf-8"))
        steps = stats["stats"]["by_step"]
        dropped = {k.removeprefix("dropped_"): v for step in steps.values() for k, v in step.items()
                   if k.startswith("dropped_")}  # fmt: skip
        rows = ", ".join(f"{k} {v}" for k, v in stats["rows"].items())
        self.stage(Stage(f"build-dataset {seed}{'' if mask else ' unmasked'}", steps["read"]["kept"],
                         sum(stats["rows"].values()), dropped, time.monotonic() - start, f"rows {rows}"))  # fmt: skip
        return out

    def train(self, dataset: Path, seed: int, name: str, text_types: str) -> Path:
        from crossmusim.evaluation.validation import validate
        from crossmusim.training import TrainOptions, TrainOverrides, resolve_config, train

        cfg = self.config
        start = time.monotonic()
        out = seed_folder(cfg, seed) / name
        settings = {"preset": cfg.preset, "overrides": cfg.overrides, "text_types": text_types, "seed": seed,
                    "inputs": [self.input_digest(dataset)]}  # fmt: skip
        if not self.step(self.step_name(out), settings, out):
            return out
        if not (out / "summary.json").is_file():
            config = resolve_config(cfg.preset, None, TrainOverrides(text_types=text_types, seed=seed), cfg.overrides)
            resume = (out / "checkpoints").is_dir() and any((out / "checkpoints").iterdir())
            options = TrainOptions(dataset=dataset, out=out, resume=resume, device=cfg.device,
                                   cache_dir=cfg.cache_dir, command=f"crossmusim experiment ({name}, seed {seed})",
                                   validate=validate)  # fmt: skip
            train(config, options)
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        report = json.loads((out / "data-report.json").read_text("utf-8"))
        note = f"texts in, songs out; best epoch {summary['best_epoch']} of {summary['epochs_run']}"
        self.stage(Stage(f"train {seed} {name}", report["texts"]["train"], report["songs"]["train"],
                         {"songs_skipped": len(report["skipped"])}, time.monotonic() - start, note))  # fmt: skip
        return out

    def evaluate(self, entry: SeedResult) -> dict[str, Any]:
        """Every model of the seed, the extra models and every baseline in one call on the test songs of
        the masked build (an unmasked build keeps the same artists in the same splits)."""
        from crossmusim.evaluation import EvaluateConfig, evaluate

        cfg = self.config
        start = time.monotonic()
        out = seed_folder(cfg, entry.seed) / "evaluation"
        settings = {"baselines": cfg.baselines, "reference": cfg.reference, "models": cfg.models,
                    "runs": list(entry.runs), "inputs": [self.input_digest(entry.dataset),
                    *(self.digests[self.step_name(run)] for run in entry.runs.values())]}  # fmt: skip
        if not self.step(self.step_name(out), settings, out):
            return {}
        if not (out / "metrics.json").is_file():
            models = [*entry.runs.values(), *cfg.models]
            evaluate(EvaluateConfig(out=out, models=models, baselines=list(cfg.baselines), dataset=entry.dataset,
                                    reference=cfg.reference, cache_dir=cfg.cache_dir))  # fmt: skip
        metrics = json.loads((out / "metrics.json").read_text("utf-8"))
        self.stage(Stage(f"evaluate {entry.seed}", metrics["tracks"], len(metrics["systems"]), {},
                         time.monotonic() - start, "systems scored on the test artists"))  # fmt: skip
        return metrics


def run_experiment(
    config: ExperimentConfig, on_stage: Callable[[Stage], None] | None = None, redo: bool = False
) -> ExperimentResult:
    """Run the grid and write `experiment.json` and `report.md` into `config.out`; `redo`: make again the
    steps whose settings changed (else such a step stops the run before any work, exit 2)."""
    from crossmusim.experiment.report import write_report

    result = ExperimentRun(config, on_stage, redo).run()
    write_report(config, result)
    return result


def validation_score(run: Path) -> float:
    """The validation figure that selected the run's model (summary.json's `best`); -inf without one."""
    best = json.loads((run / "summary.json").read_text("utf-8")).get("best") or {}
    values = [v for v in best.values() if isinstance(v, int | float)]
    return float(values[0]) if values else float("-inf")
