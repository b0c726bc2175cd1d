"""Training throughput through the real data path against the same model fed a synthetic in-memory
batch, in the same run (goal >= 0.9x: the loader is never the bottleneck), for the `tiny` preset
(towers fine-tuned: audio crops read from the cache, texts re-sampled) and the `cpu` preset
(frozen towers: cached window features and cached text features, heads only).

The real path is the trainer's own loop, `Trainer.run_batches`: `Trainer.inputs` (the sample's
text drawn, its song's crop read from the memory-mapped cache, or its cached features picked; one
batch ahead in a loader thread when the towers train), then `Trainer.step`. The peer feeds
`Trainer.step` one fixed batch held in memory.

    python benchmarks/train.py [--songs 64] [--seconds 30] [--steps 30] [--presets tiny,cpu]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

import datasets
import numpy as np
import soundfile as sf
import torch

from crossmusim.curation.hf_dataset import PAIR_FEATURES, SONG_FEATURES, rows_to_dataset
from crossmusim.model.config import preset
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.distributed import Dist
from crossmusim.training.features import FrozenFeatures
from crossmusim.training.run import TrainOptions, load_data
from crossmusim.training.trainer import Trainer, TrainerParts

WORDS = "piano guitar drums bass strings synth vocal calm energetic dark bright slow fast warm ambient rock".split()


def make_dataset(folder: Path, songs: int, seconds: float) -> Path:
    rng = np.random.default_rng(0)
    song_rows, pair_rows = [], []
    for i in range(songs):
        wave = (0.1 * rng.standard_normal(int(44100 * seconds))).astype(np.float32)
        buffer = io.BytesIO()
        sf.write(buffer, wave, 44100, format="FLAC")
        song_id = f"s{i:04d}"
        song_rows.append({"song_id": song_id, "title": song_id, "artist": f"a{i}", "album": "",
                          "audio": {"bytes": buffer.getvalue(), "path": f"{song_id}.flac"}, "duration_s": seconds,
                          "tags_coarse": [], "tags_fine": []})  # fmt: skip
        sentences = [" ".join(rng.choice(WORDS, 6)) + "." for _ in range(4)]
        aspects = list(rng.choice(WORDS, 8, replace=False))
        for text_type, text in (("caption", " ".join(sentences)), ("aspects", ", ".join(aspects))):
            pair_rows.append({"song_id": song_id, "title": song_id, "artist": f"a{i}", "album": "",
                              "text_type": text_type, "text": text, "sentences": sentences, "aspects": aspects,
                              "language": "en", "source": "bench", "source_id": song_id, "masked": False})  # fmt: skip
    out = folder / "dataset"
    datasets.DatasetDict({"train": rows_to_dataset(pair_rows, features=PAIR_FEATURES)}).save_to_disk(str(out / "pairs"))
    datasets.DatasetDict({"train": rows_to_dataset(song_rows, features=SONG_FEATURES)}).save_to_disk(str(out / "songs"))
    return out


def measure(name: str, dataset: Path, work: Path, steps: int) -> dict:
    config = preset(name)
    config.train.batch_size = 64 if name == "cpu" else 8
    options = TrainOptions(dataset=dataset, out=work / f"run-{name}", cache_dir=work / "cache")
    options.out.mkdir()
    torch.manual_seed(0)
    model = DualEncoder(config)
    state = Dist()
    cache, data, _ = load_data(config, options, model, state)
    frozen = not model.text_tower.trainable and model.audio_tower.frozen
    features = FrozenFeatures(model, cache, work / "cache" / "features") if frozen else None
    parts = TrainerParts(
        config, options, state, model, cache, data["train"], data["validation"], features, torch.device("cpu")
    )
    trainer = Trainer(parts)
    batches = [b for epoch in range(1, 100) for b in trainer._batches(epoch)][: steps + 3]
    for batch in batches:  # warm every cache the real path reads (decoded audio, tower features)
        trainer.inputs(1, batch)
    model.train()

    def real() -> float:
        start = time.perf_counter()
        trainer.run_batches(1, batches[:steps])  # the trainer's own loop: loader thread or in line
        return steps * len(batches[0]) / (time.perf_counter() - start)

    fixed = trainer.inputs(1, batches[0])

    def synthetic() -> float:
        start = time.perf_counter()
        for _ in range(steps):
            trainer.step(fixed)
        return steps * len(batches[0]) / (time.perf_counter() - start)

    # Alternate, and take the median of the paired ratios: each pair sees the same machine state.
    runs = {"real": [], "synthetic": []}
    for _ in range(5):
        runs["synthetic"].append(synthetic())
        runs["real"].append(real())
    ratios = [r / s for r, s in zip(runs["real"], runs["synthetic"], strict=True)]
    loader_only = time.perf_counter()
    for batch in batches[:steps]:
        trainer.inputs(1, batch)
    loader_rate = steps * len(batches[0]) / (time.perf_counter() - loader_only)
    median = {k: float(np.median(v)) for k, v in runs.items()}
    return {
        "preset": name,
        "batch": len(batches[0]),
        "real_pairs_per_s": round(median["real"], 1),
        "synthetic_pairs_per_s": round(median["synthetic"], 1),
        "ratio": round(float(np.median(ratios)), 3),
        "ratios": [round(r, 3) for r in ratios],
        "loader_alone_pairs_per_s": round(loader_rate, 1),
    }


def paper_loader(dataset: Path, work: Path, steps: int) -> dict:
    """The loader alone at the paper's shapes (10 s crops at 22.05 kHz, batch 64): pairs/s one core
    feeds a GPU (the model is the tiny one: only its sample rate matters here)."""
    config = preset("tiny")
    config.train.batch_size, config.train.crop_seconds = 64, 10.0
    options = TrainOptions(dataset=dataset, out=work / "run-paper-loader", cache_dir=work / "cache")
    options.out.mkdir()
    model = DualEncoder(config)
    cache, data, _ = load_data(config, options, model, Dist())
    parts = TrainerParts(
        config, options, Dist(), model, cache, data["train"], data["validation"], None, torch.device("cpu")
    )
    trainer = Trainer(parts)
    batches = [b for epoch in range(1, 100) for b in trainer._batches(epoch)][:steps]
    start = time.perf_counter()
    for batch in batches:
        trainer.inputs(1, batch)
    rate = sum(len(b) for b in batches) / (time.perf_counter() - start)
    return {"shapes": "10 s crops at 22.05 kHz, batch 64", "loader_alone_pairs_per_s": round(rate, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--presets", default="tiny,cpu")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dataset = make_dataset(work, args.songs, args.seconds)
        results = [measure(name, dataset, work, args.steps) for name in args.presets.split(",")]
        paper = paper_loader(dataset, work, args.steps)
    print(json.dumps({"torch_threads": torch.get_num_threads(), "results": results, "paper_loader": paper}, indent=2))


if __name__ == "__main__":
    main()
