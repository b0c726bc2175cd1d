"""How much of the standardised tower features a song's embedding keeps beside the audio head's output
(`[model.head] tower_weight`, issue 21), chosen on validation data only, without the selection bias.

A run keeps the epoch whose validation M2M is best, so the validation figure of its kept epoch is
optimistic, and the more so the noisier the embedding: comparing weights by that figure favours the
head alone. Here every validation split is cut into two artist-disjoint halves (several random cuts);
for each weight the epoch is chosen on one half (the run's own rule: best M2M mAP@100, coarse and fine
averaged) and scored on the other, then the other way round. Every embedding is the library's own
(`DualEncoder.song_vector` with the weight set), from each epoch's checkpoint of finished runs.
Nothing here reads a test split.

    python benchmarks/select_tower_weight.py --runs out/real-4q [--variants 4q-both,...] [--cache-dir DIR]

`--runs` is an experiment folder (`crossmusim experiment`) or a demo run (`OUT/runs/<time>-...`): its
seed*/dataset and seed*/<variant>/checkpoints. Prints one JSON object and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from crossmusim.evaluation.baselines import ModelEmbedder, tower_windows
from crossmusim.evaluation.run_models import load_run_model
from crossmusim.evaluation.validation import M2M, artist_halvings, m2m_levels
from crossmusim.evaluation.whole_tracks import tracks_from_dataset
from crossmusim.training.audio_cache import AudioCache, default_cache_dir
from crossmusim.training.checkpoint import PATTERN, load_checkpoint

FEATURES = "tower features alone"


def validation_windows(run: Path, dataset: Path, cache_root: Path):
    """The run's model, its validation tracks and each track's tower outputs per window (cached)."""
    model = load_run_model(run).eval()
    cache = AudioCache(cache_root, model.sample_rate)
    audio = model.config.model.audio.__dict__
    outputs = tower_windows(ModelEmbedder(model, "run"), model.audio_tower, audio, model.crop_samples, cache,
                            cache_root / "features")  # fmt: skip
    tracks = tracks_from_dataset(dataset, "validation")
    keys = [cache.add(t.audio if t.audio is not None else Path(t.file).read_bytes()) for t in tracks]
    return model, tracks, [torch.from_numpy(outputs.get(k)) for k in keys]


@torch.no_grad()
def vectors(model, windows: list[torch.Tensor], weight: float) -> np.ndarray:
    model.config.model.head.tower_weight = weight
    return torch.stack([model.song_vector(w) for w in windows]).numpy()


def m2m(matrix: np.ndarray, tracks, rows: np.ndarray) -> float:
    picked = [tracks[i] for i in rows]
    found = m2m_levels(matrix[rows], [t.id for t in picked], [t.tags_coarse for t in picked],
                       [t.tags_fine for t in picked])  # fmt: skip
    return 100 * found.get(M2M, float("nan"))


def study(run: Path, dataset: Path, cache_root: Path, weights: list[float], cuts: int) -> list[dict[str, float]]:
    """One row per (cut, direction): each weight's M2M on the held-out half at the epoch its other half chose."""
    model, tracks, windows = validation_windows(run, dataset, cache_root)
    epochs = sorted((run / "checkpoints").glob("epoch-*.pt"), key=lambda p: int(PATTERN.search(p.name).group(1)))
    per_epoch = {w: [] for w in weights}
    for checkpoint in epochs:
        model.load_state_dict(load_checkpoint(checkpoint)["weights"], strict=False)
        for w in weights:
            per_epoch[w].append(vectors(model, windows, w))
    # The features part alone: the first block of any weighted embedding, normalised.
    features = vectors(model, windows, 0.5)[:, : model.audio_tower.dim]
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    model.config.model.head.tower_weight = 0.0
    rows = []
    for half in artist_halvings([t.artist or t.id for t in tracks], cuts):  # the trainer's halvings
        for chooser in (0, 1):
            choose, score = np.flatnonzero(half == chooser), np.flatnonzero(half != chooser)
            row = {FEATURES: m2m(features, tracks, score)}
            for w in weights:
                chosen = int(np.argmax([m2m(v, tracks, choose) for v in per_epoch[w]]))
                row[f"tower_weight {w}"] = m2m(per_epoch[w][chosen], tracks, score)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--variants", default=None, help="Run names under each seed (default: every trained run).")
    parser.add_argument("--weights", default="0,0.25,0.5,0.75")
    parser.add_argument("--cuts", type=int, default=4, help="Random artist-disjoint halvings per validation split.")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    seeds = sorted(p for p in args.runs.glob("seed*") if (p / "dataset").is_dir())
    if not seeds:
        raise SystemExit(f"{args.runs}: no seed*/dataset folders (an experiment folder or a demo run?)")
    cache_root = args.cache_dir or default_cache_dir()
    by_variant: dict[str, list[dict[str, float]]] = {}
    for seed in seeds:
        names = (
            args.variants.split(",")
            if args.variants
            else sorted(
                p.name for p in seed.iterdir() if (p / "checkpoints").is_dir() and not p.name.endswith("-unmasked")
            )
        )
        for name in names:
            by_variant.setdefault(name, []).extend(study(seed / name, seed / "dataset", cache_root, weights, args.cuts))
    every = [row for rows in by_variant.values() for row in rows]
    summary = {}
    for name, rows in [*by_variant.items(), ("all", every)]:
        base = np.array([r[FEATURES] for r in rows])
        summary[name] = {key: {"held_out": round(float(np.nanmean(vals)), 2),
                               "gain": round(float(np.nanmean(vals - base)), 2),
                               "wins": round(float(np.mean(vals > base)), 2)}
                         for key in rows[0] for vals in [np.array([r[key] for r in rows])]}  # fmt: skip
    print(json.dumps({"runs": str(args.runs), "seeds": [s.name for s in seeds], "cuts": args.cuts,
                      "rows": len(every), "summary": summary}, indent=2))  # fmt: skip
    keys = list(every[0])
    print(f"\n| runs ({len(seeds)} seeds x {args.cuts} cuts x 2 halves) | " + " | ".join(keys) + " |")
    print("| --- " * (len(keys) + 1) + "|")
    for name, entry in summary.items():
        cells = [f"{entry[k]['held_out']:.2f} ({entry[k]['gain']:+.2f}, {entry[k]['wins']:.0%})" for k in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
