"""Why two honest measurements of the real-recordings gain disagree (issue 33, point 11): the gain of
text-guided training over musicnn-std as training songs grow, on one fixed artist-disjoint test pool,
and the same models scored on test pools of different sizes.

Data: the 600 real 4Q clips with their editorial tag text (as `benchmarks/real_audio.py`), one build
(split seed 0, shares 0.4/0.1/0.5: about 240 training songs, 60 validation songs, a 300-clip test
pool of other artists). Learning curve: for each size, training artists drawn (seeded, nested: a
smaller set is part of every larger one of the same repetition) until that many songs, a dataset
with that training split and the same validation and test splits, `train --preset cpu` on both text
types, `evaluate` with musicnn-std (its statistics from the same training songs). Pool sizes: the
largest models scored on artist subsets of the test pool. Every gain has its paired 95% interval over
the pool's artists; across repetitions the interval is of the mean gain, each bootstrap draw shared
by every repetition (the pool is the same).

    python benchmarks/learning_curve.py [--sizes 60 120 180 240] [--pools 60 120 200 300] [--repeats 3]

Steps whose output exists are skipped. Writes OUT/learning_curve.md and OUT/learning_curve.png.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from real_audio import REAL, ROOT, build, cli, train, write_pairs  # this folder (the script's) is on sys.path

from crossmusim.evaluation.confidence import DRAWS, macro_draws, query_weights
from crossmusim.evaluation.scoring import artist_units

MODEL, REFERENCE = "crossmusim:both", "musicnn-std"
LEVELS = {"coarse": "M2M coarse", "fine": "M2M fine"}


def subset_dataset(dataset: Path, out: Path, keep: dict[str, set[str]]) -> Path:
    """`dataset` with each named split cut to the artists in `keep[split]` (the others as they are)."""
    import datasets

    if (out / "stats.json").is_file():
        return out
    for name in ("pairs", "songs"):
        parts = datasets.load_from_disk(str(dataset / name))
        for split, artists in keep.items():
            parts[split] = parts[split].filter(lambda row, kept=artists: row["artist"] in kept)
        parts.save_to_disk(str(out / name))
    stats = json.loads((dataset / "stats.json").read_text("utf-8"))
    stats["subset"] = {split: sorted(artists) for split, artists in keep.items()}
    (out / "stats.json").write_text(json.dumps(stats, indent=2), "utf-8")
    return out


def artists_until(dataset: Path, split: str, songs: int, order: str) -> set[str]:
    """Whole artists of `split` in a seeded (hash) order until about `songs` songs: nested across sizes."""
    import datasets

    artists = datasets.load_from_disk(str(dataset / "songs"))[split]["artist"]
    ranked = sorted(set(artists), key=lambda a: hashlib.sha256(f"{order}:{a}".encode()).hexdigest())
    kept, count = set(), 0
    for artist in ranked:
        if count >= songs:
            break
        kept.add(artist)
        count += artists.count(artist)
    return kept


def evaluate(dataset: Path, run: Path, out: Path, log: Path) -> Path:
    if not (out / "metrics.json").is_file():
        cli("evaluate", "--model", str(run), "--baseline", REFERENCE, "--dataset", str(dataset), "--split", "test",
            "--out", str(out), log=log)  # fmt: skip
    return out


def gain_draws(report: Path, dataset: Path) -> dict[str, tuple[float, np.ndarray]]:
    """Per level: the model's point gain over the reference (points) and its gains on the bootstrap draws
    of the pool's artists (the evaluation's own per-query APs; draw k is the same for every run scored
    on this pool)."""
    import pyarrow.parquet as pq

    from crossmusim.evaluation.whole_tracks import iter_split_tracks

    rows = pq.read_table(report / "queries.parquet").to_pylist()
    tracks = list(iter_split_tracks(dataset, "test"))
    position = {t.id: n for n, t in enumerate(tracks)}
    names = {a: n for n, a in enumerate(sorted(set(artist_units(tracks))))}
    units = [names[a] for a in artist_units(tracks)]
    out = {}
    for level in LEVELS:
        aps = {system: {(r["query"], r["tag"]): r["ap"] for r in rows if r["system"] == system and r["level"] == level}
               for system in (MODEL, REFERENCE)}  # fmt: skip
        keys = sorted(aps[MODEL])
        tags = {t: n for n, t in enumerate(sorted({t for _, t in keys}))}
        query_tags = [tags[t] for _, t in keys]
        weights = query_weights([position[q] for q, _ in keys], query_tags, units, "artist", DRAWS, 0)
        mine, theirs = (np.array([aps[s][k] for k in keys]) for s in (MODEL, REFERENCE))
        draws = macro_draws(mine, query_tags, weights) - macro_draws(theirs, query_tags, weights)
        point = _macro(mine, query_tags) - _macro(theirs, query_tags)
        out[level] = (100 * point, 100 * draws)
    return out


def _macro(aps: np.ndarray, tags: list[int]) -> float:
    found = np.asarray(tags)
    return float(np.mean([aps[found == t].mean() for t in np.unique(found)]))


def summarise(label: str, found: list[dict[str, tuple[float, np.ndarray]]], extra: dict) -> dict:
    """Mean point gain over repetitions ± their spread, and the 95% interval of that mean gain."""
    row: dict = {label: extra.pop(label), **extra, "runs": len(found)}
    for level, column in LEVELS.items():
        points = [f[level][0] for f in found]
        low, high = np.nanpercentile(np.mean([f[level][1] for f in found], axis=0), [2.5, 97.5])
        spread = float(np.std(points, ddof=1)) if len(points) > 1 else 0.0
        row[column] = f"{np.mean(points):+.1f} ± {spread:.1f} [{low:+.1f}, {high:+.1f}]"
        row[f"_{level}"] = (float(np.mean(points)), float(low), float(high))
    return row


def plot(curve: list[dict], pools: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    panels = ((axes[0], curve, "training songs", "gain vs training songs (300-clip pool)"),
              (axes[1], pools, "pool clips", "gain vs test pool size (largest models)"))  # fmt: skip
    for ax, rows, key, title in panels:
        x = [r[key] for r in rows]
        for level, colour in (("coarse", "tab:blue"), ("fine", "tab:orange")):
            mean, low, high = zip(*(r[f"_{level}"] for r in rows), strict=True)
            ax.plot(x, mean, "o-", color=colour, label=f"M2M {level}")
            ax.fill_between(x, low, high, color=colour, alpha=0.15)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(key)
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("gain over musicnn-std (points, 95% interval)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown(rows: list[dict]) -> str:
    head = [k for k in rows[0] if not k.startswith("_")]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REAL / "real-audio-4q")
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 120, 180, 240])
    parser.add_argument("--pools", type=int, nargs="+", default=[60, 120, 200, 300])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shares", default="0.4,0.1,0.5")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "learning-curve")
    args = parser.parse_args()
    if not (args.data / "metadata.csv").is_file():
        raise SystemExit(f"{args.data}: no metadata.csv (the 4Q clips live in ../shared/realdata/real-audio-4q)")
    started = time.time()
    base = build(0, write_pairs(args.data, args.out), args.data / "metadata.csv", args.out, args.shares)
    log = args.out / "log.txt"
    curve, pools, largest = [], [], {}
    for size in args.sizes:
        found, songs = [], []
        for repeat in range(args.repeats):
            folder = args.out / f"train{size}-r{repeat}"
            dataset = subset_dataset(
                base, folder / "dataset", {"train": artists_until(base, "train", size, str(repeat))}
            )
            train(dataset, "caption,aspects", repeat, folder / "both", log)
            found.append(gain_draws(evaluate(dataset, folder / "both", folder / "report", log), dataset))
            songs.append(json.loads((folder / "both" / "data-report.json").read_text("utf-8"))["songs"]["train"])
            largest[repeat] = (dataset, folder / "both")
        curve.append(summarise("training songs", found, {"training songs": round(float(np.mean(songs)))}))
    for pool in args.pools:
        found, clips = [], 0
        for repeat, (dataset, run) in largest.items():
            folder = args.out / f"pool{pool}-r{repeat}"
            cut = subset_dataset(dataset, folder / "dataset", {"test": artists_until(dataset, "test", pool, "pool")})
            report = evaluate(cut, run, folder / "report", log)
            found.append(gain_draws(report, cut))
            clips = json.loads((report / "metrics.json").read_text("utf-8"))["tracks"]
        pools.append(summarise("pool clips", found, {"pool clips": clips}))
    plot(curve, pools, args.out / "learning_curve.png")
    text = "\n\n".join([
        f"Learning curve on real 4Q clips (split seed 0, shares {args.shares}; {args.repeats} repetitions: "
        f"training artists drawn and training seed; {time.time() - started:.0f} s in this call). Gain of the "
        "both-text-types model over musicnn-std in points: mean ± spread over repetitions [95% interval of the "
        "mean gain, the pool's artists resampled].",
        markdown(curve), "The largest models on artist subsets of the test pool:", markdown(pools),
    ])  # fmt: skip
    (args.out / "learning_curve.md").write_text(text + "\n", "utf-8")
    print(text)


if __name__ == "__main__":
    main()
