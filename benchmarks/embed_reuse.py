"""Embedding with a frozen-tower model after the musicnn baseline (issue 21's embedding cost): the
tower's per-window outputs are on disk already (`TowerWindows`), so the model only runs its heads.

    python benchmarks/embed_reuse.py [--clips 100] [--seconds 30]

Peer: the same model embedding the same decoded clips with no window outputs on disk (it runs the
tower, as `embed --model` did before). Both through `embed_tracks`, one process, the same threads;
decoding is done beforehand for both, so the timings compare the tower work alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from synthetic_clips import write_clips  # this folder (the script's) is on sys.path

from crossmusim.evaluation.baselines import ModelEmbedder, MusicnnEmbedder, RandomEmbedder
from crossmusim.evaluation.whole_tracks import embed_tracks, tracks_from_audio
from crossmusim.model import config as cfg
from crossmusim.model.dual_encoder import DualEncoder


def timed(embedder, tracks, cache: Path) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    done = embed_tracks(embedder, tracks, cache, progress=False)
    return time.perf_counter() - started, done.vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-embed-reuse-"))
    tracks, _ = tracks_from_audio(write_clips(work / "clips", args.clips, args.seconds))
    config = cfg.preset("cpu")
    torch.manual_seed(0)
    model = DualEncoder(config).eval()
    reuse_cache, peer_cache = work / "reuse", work / "peer"
    embed_tracks(RandomEmbedder(), tracks, peer_cache, progress=False)  # decoded for the peer too
    baseline_s, _ = timed(MusicnnEmbedder(), tracks, reuse_cache)  # computes and keeps the windows
    reuse_s, reused = timed(ModelEmbedder(model, "model:reuse"), tracks, reuse_cache)
    peer_s, computed = timed(ModelEmbedder(model, "model:peer"), tracks, peer_cache)
    print(json.dumps({
        "clips": args.clips,
        "seconds_each": args.seconds,
        "threads": torch.get_num_threads(),
        "musicnn_baseline_s": round(baseline_s, 2),
        "model_reusing_windows_s": round(reuse_s, 3),
        "model_computing_windows_s": round(peer_s, 2),
        "speedup": round(peer_s / reuse_s, 1),
        "max_abs_difference": float(np.abs(reused - computed).max()),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
