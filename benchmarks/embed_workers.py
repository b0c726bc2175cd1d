"""`crossmusim embed --workers N` against one process, same files, same run: musicnn-MSD features of
clips (noise-shaped tones written here), each run from an empty cache so every vector is computed.
Wall time of the whole command (start-up, decoding into the cache, embedding, writing).

    python benchmarks/embed_workers.py [--clips 200] [--seconds 10] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from synthetic_clips import write_clips  # this folder (the script's) is on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--baseline", default="musicnn")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-embed-workers-"))
    audio = write_clips(work / "audio", args.clips, args.seconds)
    rows = []
    for n in args.workers:
        env = {**os.environ, "CROSSMUSIM_CACHE": str(work / f"cache{n}")}
        command = [sys.executable, "-m", "crossmusim", "embed", "--baseline", args.baseline, "--audio", str(audio),
                   "--out", str(work / f"e{n}.npz"), "--workers", str(n)]  # fmt: skip
        began = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - began
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-1500:])
        rows.append({"workers": n, "seconds": round(seconds, 1), "clips_per_s": round(args.clips / seconds, 2)})
    for row in rows:
        row["vs_one"] = round(row["clips_per_s"] / rows[0]["clips_per_s"], 2)
    same = np.allclose(np.load(work / f"e{args.workers[0]}.npz")["embeddings"],
                       np.load(work / f"e{args.workers[-1]}.npz")["embeddings"], atol=1e-5)  # fmt: skip
    print(
        json.dumps({"clips": args.clips, "cores": os.cpu_count(), "runs": rows, "same_vectors": bool(same)}, indent=2)
    )


if __name__ == "__main__":
    main()
