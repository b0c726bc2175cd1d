"""The cpu preset's choices, made again on validation data only (issue 19): which musicnn features feed
the heads, how many epochs and how much patience, and which text types train. Nothing here reads a test
split: every figure is the validation selection metric every run is selected on (`val_m2m_map@100`,
coarse and fine M2M mAP@100 averaged over the validation songs), from each run's `metrics.csv`.

    python benchmarks/select_defaults.py --demo-run DIR [--out DIR]

`--demo-run` is a finished `crossmusim demo` run (`OUT/runs/<time>-...`): its masked datasets of each
split seed are trained again here with `--preset cpu` and one change at a time:
- features: mean-pooled (753-d, the preset) against the penultimate layer (200-d), on captions;
- epochs: 200 epochs without early stopping, on captions and on both types, to see where validation
  peaks and what patience would have kept;
- text types: captions, aspects and both (the demo's own runs, read from its folders).
With `--crops`, only the frozen path's augmentation: how many training crops per song to cache
(`frozen_crops` 1, 2, 4 and 8, on captions) with 5-s crops of the demo's 10-s songs, since a song no
longer than a crop has one window whatever the count; the first run of each seed computes the
features (its wall time is reported), the others reuse them.
Prints one JSON object and a Markdown summary for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

METRIC = "val_m2m_map@100"


def curve(run: Path) -> list[float]:
    with (run / "metrics.csv").open(encoding="utf-8") as handle:
        return [float(row[METRIC]) for row in csv.DictReader(handle)]


def train(dataset: Path, out: Path, cache: Path, *args: str) -> list[float]:
    if not (out / "summary.json").is_file():
        command = [sys.executable, "-m", "crossmusim", "train", "--dataset", str(dataset), "--out", str(out),
                   "--preset", "cpu", "--cache-dir", str(cache), *args]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
    return curve(out)


def kept_by(values: list[float], patience: int, epochs: int) -> float:
    """The validation figure early stopping with this patience and epoch cap would have kept."""
    best, stale = float("-inf"), 0
    for value in values[:epochs]:
        if value > best:
            best, stale = value, 0
        else:
            stale += 1
            if patience and stale >= patience:
                break
    return best


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def crops_study(seeds: list[Path], out: Path) -> None:
    import time

    results: dict[str, list[float]] = {}
    for seed_dir in seeds:
        seed = seed_dir.name.removeprefix("seed")
        cache = out / "cache"  # its own: the 5-s features are computed here, once for all counts
        for count in (8, 4, 2, 1):
            config = out / f"crops{count}.toml"
            config.write_text(f"[train]\ncrop_seconds = 5.0\nfrozen_crops = {count}\n", "utf-8")
            started = time.perf_counter()
            curve_ = train(seed_dir / "dataset", out / f"seed{seed}-crops{count}", cache, "--text-types", "caption",
                           "--seed", seed, "--config", str(config))  # fmt: skip
            results.setdefault(f"frozen_crops {count} (5-s crops, captions)", []).append(max(curve_))
            results.setdefault(f"seconds, frozen_crops {count}", []).append(round(time.perf_counter() - started, 1))
    report(results, seeds, out)


def report(results: dict[str, list[float]], seeds: list[Path], out: Path) -> None:
    summary = {label: {"per_seed": [round(v, 4) for v in values], "mean": round(mean(values), 4)}
               for label, values in results.items()}  # fmt: skip
    print(json.dumps({"metric": METRIC, "seeds": [s.name for s in seeds], "out": str(out), "results": summary},
                     indent=2))  # fmt: skip
    print(f"\n| choice | {METRIC} per seed | mean |\n| --- | --- | --- |")
    for label, entry in summary.items():
        print(f"| {label} | {' / '.join(f'{v:.4f}' for v in entry['per_seed'])} | {entry['mean']:.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-run", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--crops", action="store_true", help="Choose frozen_crops instead (5-s crops).")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="crossmusim-select-"))
    out.mkdir(parents=True, exist_ok=True)
    cache = args.demo_run.parent.parent / "cache"  # the demo folder's cache: features computed once
    seeds = sorted(p for p in args.demo_run.glob("seed*") if (p / "dataset").is_dir())
    if not seeds:
        raise SystemExit(f"{args.demo_run}: no seed*/dataset folders (a finished crossmusim demo run?)")
    if args.crops:
        return crops_study(seeds, out)
    results: dict[str, list[float]] = {}
    curves: dict[str, list[list[float]]] = {"captions": [], "both": []}
    for seed_dir in seeds:
        seed = seed_dir.name.removeprefix("seed")
        dataset = seed_dir / "dataset"
        for name in ("captions", "aspects", "both"):  # the demo's runs: preset features, epochs and patience
            results.setdefault(f"text types: {name}", []).append(max(curve(seed_dir / name)))
        results.setdefault("features: mean-pooled (captions)", []).append(max(curve(seed_dir / "captions")))
        penultimate = out / "penultimate.toml"
        penultimate.write_text('[model.audio]\nfeatures = "penultimate"\n', "utf-8")
        results.setdefault("features: penultimate (captions)", []).append(
            max(
                train(
                    dataset,
                    out / f"seed{seed}-penultimate",
                    cache,
                    "--text-types",
                    "caption",
                    "--seed",
                    seed,
                    "--config",
                    str(penultimate),
                )
            )  # fmt: skip
        )
        for name, types in (("captions", "caption"), ("both", "caption,aspects")):
            long = out / "long.toml"
            long.write_text("[train]\nepochs = 200\nearly_stop_patience = 0\n", "utf-8")
            curves[name].append(train(dataset, out / f"seed{seed}-{name}-long", cache, "--text-types", types,
                                      "--seed", seed, "--config", str(long)))  # fmt: skip
    for name, runs in curves.items():
        for epochs, patience in ((30, 0), (60, 10), (100, 10), (200, 0), (200, 20)):
            label = f"epochs {epochs}, patience {patience or 'none'} ({name})"
            results[label] = [kept_by(values, patience, epochs) for values in runs]
        results[f"peak epoch ({name})"] = [float(values.index(max(values)) + 1) for values in runs]
    report(results, seeds, out)


if __name__ == "__main__":
    main()
