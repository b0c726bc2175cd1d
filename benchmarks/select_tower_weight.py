"""How much of the standardised tower features a song's embedding keeps beside the audio head's output
(`[model.head] tower_weight`, issue 21), chosen on validation data only, without the selection bias.

A run keeps the epoch whose validation M2M is best, so the validation figure of its kept epoch is
optimistic, and the more so the noisier the embedding: comparing weights by that figure favours the
head alone. Here every validation split is cut into two artist-disjoint halves (the trainer's four
fixed halvings); for each weight the epoch is chosen on one half (the run's own rule: best M2M
mAP@100, coarse and fine averaged) and scored on the other, then the other way round. Every
embedding is the library's own (`DualEncoder.song_vector` with the weight set), from each epoch's
checkpoint of finished runs.
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
from crossmusim.evaluation.validation import HALVINGS, tower_weight_scores
from crossmusim.evaluation.whole_tracks import tracks_from_dataset
from crossmusim.training.audio_cache import AudioCache, default_cache_dir
from crossmusim.training.checkpoint import PATTERN, load_checkpoint
from crossmusim.training.data import Song, SplitData
from crossmusim.training.tower_weight import held_out_values

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
def study(run: Path, dataset: Path, cache_root: Path, weights: list[float]) -> list[dict[str, float]]:
    """One row per (halving, direction): each weight's M2M on the held-out half at the epoch the other
    half chose, by the trainer's own scores (`tower_weight_scores`) and rule (`held_out_values`)."""
    model, tracks, windows = validation_windows(run, dataset, cache_root)
    split = SplitData({t.id: Song(t.id, t.artist or t.id, "", t.tags_coarse, t.tags_fine) for t in tracks}, [])
    ids = [t.id for t in tracks]
    epochs = sorted((int(PATTERN.search(p.name).group(1)), p) for p in (run / "checkpoints").glob("epoch-*.pt"))
    history = []
    for epoch, checkpoint in epochs:
        model.load_state_dict(load_checkpoint(checkpoint)["weights"], strict=False)
        history.append((epoch, tower_weight_scores(model, windows, split, ids, weights)))
    # Weight 1 is the standardised features alone (no head, so no epoch to choose): each held-out half.
    features = tower_weight_scores(model, windows, split, ids, [1.0])[1.0]["halves"]
    columns = {FEATURES: [pair[1 - chooser] for pair in features for chooser in (0, 1)]}
    columns |= {f"tower_weight {w}": held_out_values(history, w) for w in weights}
    return [{key: 100 * values[i] for key, values in columns.items()} for i in range(len(features) * 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--variants", default=None, help="Run names under each seed (default: every trained run).")
    parser.add_argument("--weights", default="0,0.25,0.5,0.75")
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
            by_variant.setdefault(name, []).extend(study(seed / name, seed / "dataset", cache_root, weights))
    every = [row for rows in by_variant.values() for row in rows]
    summary = {}
    for name, rows in [*by_variant.items(), ("all", every)]:
        base = np.array([r[FEATURES] for r in rows])
        summary[name] = {key: {"held_out": round(float(np.nanmean(vals)), 2),
                               "gain": round(float(np.nanmean(vals - base)), 2),
                               "wins": round(float(np.mean(vals > base)), 2)}
                         for key in rows[0] for vals in [np.array([r[key] for r in rows])]}  # fmt: skip
    print(json.dumps({"runs": str(args.runs), "seeds": [s.name for s in seeds], "cuts": HALVINGS,
                      "rows": len(every), "summary": summary}, indent=2))  # fmt: skip
    keys = list(every[0])
    print(f"\n| runs ({len(seeds)} seeds x {HALVINGS} cuts x 2 halves) | " + " | ".join(keys) + " |")
    print("| --- " * (len(keys) + 1) + "|")
    for name, entry in summary.items():
        cells = [f"{entry[k]['held_out']:.2f} ({entry[k]['gain']:+.2f}, {entry[k]['wins']:.0%})" for k in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
