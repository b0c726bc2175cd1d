"""The real-recordings table's extra rows (issue 21): does text-guided training give better
music-to-music similarity than the fair audio-only baselines on real recordings? The README's headline
table is what `crossmusim experiment configs/real-4q.toml` prints (the same builds, runs and
evaluations); this script adds the demo model's transfer and MusicCaps-32 caption retrieval.

Data: the 600 real 30-s clips of ../shared/realdata/real-audio-4q (AllMusic previews of the 4Q emotion
dataset) with their AllMusic genres and moods. The text is **editorial tag text, not free
description**: each clip's moods and genres written as an aspects list ("Circular; Greasy; Country")
and as one templated sentence ("A circular, greasy and messy country and international track.").
Everything goes through the real commands, as a user would:

1. a pairs file (`build-dataset --open pairs=FILE`, default options: curated text, linked audio) and
   the 4Q metadata as the tag file (coarse: genres + quadrant; fine: moods);
2. per split seed: an artist-disjoint build (shares 0.7/0.1/0.2, fixed before any run so the test
   split holds about 120 clips), `train --preset cpu` on aspects, on captions and on both (each run
   selected on validation M2M mAP@100), then `evaluate` on the test split with every baseline
   (random, dsp, musicnn, musicnn-std, untrained, probe) and, with --demo-run, the demo's
   world-trained model (transfer);
3. MusicCaps-32: each seed's "both" model ranks the 32 real MusicCaps clips for their human captions
   (`evaluate --audio --tags --queries`).

Gains are paired by seed against musicnn-std (the strongest audio-only baseline that needs no tags).

    python benchmarks/real_audio.py --seeds 5 --out out/real-audio [--demo-run out/demo/runs/.../both]

Each step is skipped when its output exists, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from crossmusim.curation.four_q import tag_text_pairs
from crossmusim.experiment.table import gain_rows, markdown, summary_rows

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "realdata"
VARIANTS = {"4q-aspects": "aspects", "4q-captions": "caption", "4q-both": "caption,aspects"}
BASELINES = ("random", "dsp", "musicnn", "musicnn-std", "untrained", "probe")
REFERENCE = "musicnn-std"


PAIR_COLUMNS = ["audio", "title", "artist", "id", "language", "text", "type"]


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, PAIR_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_pairs(data: Path, out: Path) -> Path:
    """The pairs file: an aspects row and a caption row per clip."""
    path = out / "pairs.csv"
    if path.is_file():
        return path
    return write_rows(path, tag_text_pairs(data))


def cli(*args: str, log: Path) -> None:
    """Run one crossmusim command; its output goes to `log`; a failure stops the benchmark."""
    started = time.time()
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ crossmusim {' '.join(args)}\n")
        handle.flush()
        proc = subprocess.run([sys.executable, "-m", "crossmusim.cli.app", *args], stdout=handle, stderr=handle)
    print(f"  {args[0]} {args[-1]}: {time.time() - started:.0f} s", flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"crossmusim {args[0]} failed (exit {proc.returncode}): see {log}")


def train(dataset: Path, types: str, seed: int, out: Path, log: Path) -> None:
    """`train --preset cpu` on the given text types, unless the run is there."""
    if not (out / "summary.json").is_file():
        cli("train", "--dataset", str(dataset), "--preset", "cpu", "--text-types", types, "--seed", str(seed),
            "--out", str(out), log=log)  # fmt: skip


def build(seed: int, pairs: Path, tags: Path, out: Path, shares: str) -> Path:
    """The seed's artist-disjoint build (its splits are reused by real_audio_llm.py), unless it is there."""
    folder = out / f"seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    dataset = folder / "dataset"
    if not (dataset / "stats.json").is_file():
        cli("build-dataset", "--open", f"pairs={pairs}", "--tags", str(tags), "--seed", str(seed),
            "--split-shares", shares, "--out", str(dataset), log=folder / "log.txt")  # fmt: skip
    return dataset


def run_seed(seed: int, pairs: Path, tags: Path, out: Path, shares: str, demo_run: Path | None) -> dict:
    dataset = build(seed, pairs, tags, out, shares)
    folder, log = dataset.parent, dataset.parent / "log.txt"
    for name, types in VARIANTS.items():
        train(dataset, types, seed, folder / name, log)
    report = folder / "report"
    if not (report / "metrics.json").is_file():
        models = [a for name in VARIANTS for a in ("--model", str(folder / name))]
        models += ["--model", str(demo_run)] if demo_run else []
        baselines = [a for name in BASELINES for a in ("--baseline", name)]
        cli("evaluate", *models, *baselines, "--dataset", str(dataset), "--split", "test", "--out", str(report),
            log=log)  # fmt: skip
    systems = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["systems"]
    return {_label(name, demo_run): result for name, result in systems.items()}


def _label(name: str, demo_run: Path | None) -> str:
    if demo_run is not None and name == f"crossmusim:{demo_run.name}":
        return "demo model (transfer)"
    return name


def musiccaps(seed: int, out: Path, source: Path) -> dict | None:
    """The seed's "both" model on the 32 real MusicCaps clips: caption-to-track retrieval and T2M."""
    csv_path, audio = source / "musiccaps-public.csv", source / "audio"
    if not audio.is_dir():
        return None
    folder = out / f"seed{seed}"
    report = folder / "musiccaps"
    if not (report / "metrics.json").is_file():
        cli("evaluate", "--model", str(folder / "4q-both"), "--baseline", REFERENCE, "--audio", str(audio),
            "--tags", str(csv_path), "--queries", str(csv_path), "--out", str(report),
            log=folder / "log.txt")  # fmt: skip
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    return {"tracks": metrics["tracks"], **metrics["systems"]["crossmusim:4q-both"]["captions"]}


def musiccaps_table(found: list[dict]) -> str:
    """Mean over seeds of each caption-retrieval figure; chance R@k is k / clips."""
    if not found:
        return "(MusicCaps clips not found)"
    mean = {k: sum(f[k] for f in found) / len(found) for k in ("r@1", "r@5", "r@10", "median_rank")}
    clips = found[0]["tracks"]
    return (
        f"| model | seeds | clips | R@1 | R@5 | R@10 | median rank |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        f"| 4q-both | {len(found)} | {clips} | {100 * mean['r@1']:.1f} | {100 * mean['r@5']:.1f} | "
        f"{100 * mean['r@10']:.1f} | {mean['median_rank']:.1f} |\n"
        f"| chance | - | {clips} | {100 / clips:.1f} | {500 / clips:.1f} | {1000 / clips:.1f} | {(clips + 1) / 2:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REAL / "real-audio-4q")
    parser.add_argument("--musiccaps", type=Path, default=REAL / "musiccaps")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shares", default="0.7,0.1,0.2")
    parser.add_argument("--demo-run", type=Path, help="A demo run's model folder, scored as the transfer row.")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "real-audio")
    parser.add_argument("--build-only", action="store_true", help="Only the seeds' builds (for real_audio_llm.py).")
    args = parser.parse_args()
    if not (args.data / "metadata.csv").is_file():
        raise SystemExit(f"{args.data}: no metadata.csv (the 4Q clips live in ../shared/realdata/real-audio-4q)")
    started = time.time()
    pairs = write_pairs(args.data, args.out)
    if args.build_only:
        for seed in range(args.seeds):
            print(build(seed, pairs, args.data / "metadata.csv", args.out, args.shares))
        return
    per_seed, captions = [], []
    for seed in range(args.seeds):
        print(f"seed {seed}", flush=True)
        per_seed.append(run_seed(seed, pairs, args.data / "metadata.csv", args.out, args.shares, args.demo_run))
        found = musiccaps(seed, args.out, args.musiccaps)
        if found:
            captions.append(found)
    systems = list(dict.fromkeys(name for seed in per_seed for name in seed))
    models = [s for s in systems if s not in BASELINES]
    text = "\n\n".join([
        f"Real recordings: {args.seeds} artist-disjoint split seeds, test split (shares {args.shares}); "
        f"{time.time() - started:.0f} s in this call (steps already done were skipped).",
        markdown(summary_rows(per_seed, systems)),
        f"Gains over {REFERENCE}, paired by seed (points, mean ± spread, wins):",
        markdown(gain_rows(per_seed, [s for s in systems if s != REFERENCE], REFERENCE)),
        "MusicCaps-32 caption-to-track retrieval (human captions; mean over seeds):",
        musiccaps_table(captions),
    ])  # fmt: skip
    (args.out / "real_audio.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\nmodels: {', '.join(models)}; written to {args.out / 'real_audio.md'}")


if __name__ == "__main__":
    main()
