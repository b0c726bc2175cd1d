"""`embed --device`: the same clips embedded by the musicnn-MSD baseline on the CPU and on the GPU
(one worker, and two workers taking the GPUs in turn), each from an empty cache, in the same run;
clips/s of the embedding call (decoding into the cache included) and the largest difference between
the CPU's and each GPU run's vectors. Runs the library directly (the GPU image lacks the crawler's
dependencies, which the `crossmusim` command imports); rows for CUDA are skipped without a GPU.

    python benchmarks/embed_devices.py [--clips 200] [--seconds 30]
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

from crossmusim.evaluation.baselines import make_embedder
from crossmusim.evaluation.whole_tracks import WorkerSpec, embed_tracks, tracks_from_audio, worker_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-embed-devices-"))
    audio = write_clips(work / "audio", args.clips, args.seconds)
    tracks, _ = tracks_from_audio(audio)
    runs = [("cpu", 1)]
    if torch.cuda.is_available():
        runs += [("cuda", 1), ("cuda", 2)]
    rows, reference = [], None
    for device, workers in runs:
        embedder = make_embedder(None, "musicnn", 0, device=worker_device(device, 0))
        started = time.perf_counter()
        spec = WorkerSpec(None, "musicnn", 0, device)
        done = embed_tracks(embedder, tracks, work / f"cache-{device}-{workers}", workers=workers, spec=spec)
        seconds = time.perf_counter() - started
        vectors = np.asarray(done.vectors)
        reference = vectors if reference is None else reference
        rows.append(
            {
                "device": device,
                "workers": workers,
                "seconds": round(seconds, 1),
                "clips_per_s": round(len(done.ids) / seconds, 1),
                "max_abs_diff_vs_cpu": float(np.abs(vectors - reference).max()),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    print(json.dumps({"clips": args.clips, "seconds_each": args.seconds, "gpu": gpu, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
