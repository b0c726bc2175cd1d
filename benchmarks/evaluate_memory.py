"""Peak memory of `crossmusim evaluate --dataset` with and without training statistics (issue 33, point 7):
a standardising baseline (`dsp`) takes each dimension's mean and deviation from the training split,
whose tracks are now streamed (decoded into the cache one at a time, no list of audio bytes kept).

    python benchmarks/evaluate_memory.py [--songs 2000] [--seconds 5]

The build embeds its audio (`--embed-audio`), so the training split's bytes live in the dataset's Arrow
files: the case the former list of bytes ran out of memory on. Peer: the same command on the same
test songs of a copy of the build without its train split (statistics from the scored pool, no
training track read). Both in fresh processes from the same warm cache of decoded test audio; peak
RSS from the kernel (`ru_maxrss` of the child). Goal: within 10% of each other.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic_clips import write_clips  # this folder (the script's) is on sys.path


def crossmusim(*args: str, env: dict[str, str]) -> tuple[float, float]:
    """Run one command in a child; (seconds, the child's peak RSS in MB)."""
    code = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(p.returncode)")  # fmt: skip
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "crossmusim", *args],
                          capture_output=True, text=True, env=env)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return time.perf_counter() - began, int(proc.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    import datasets

    work = Path(tempfile.mkdtemp(prefix="crossmusim-evaluate-memory-"))
    env = {**os.environ, "CROSSMUSIM_CACHE": str(work / "cache")}
    audio = write_clips(work / "audio", args.songs, args.seconds)
    with (work / "pairs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["audio", "title", "artist", "text", "type"])
        for n, path in enumerate(sorted(audio.glob("*.wav"))):
            artist, title = path.stem.split(" - ")
            writer.writerow([str(path), title, f"{artist} {n % 97}", f"a tone, clip {n}", "caption"])
    full, pool = work / "with-train", work / "without-train"
    crossmusim("build-dataset", "--open", f"pairs={work / 'pairs.csv'}", "--embed-audio", "--split-shares",
               "0.85,0.05,0.1", "--out", str(full), env=env)  # fmt: skip
    shutil.copytree(full, pool)
    songs = datasets.load_from_disk(str(full / "songs"))
    train_bytes = sum(len(row["audio"]["bytes"]) for row in songs["train"])
    shutil.rmtree(pool / "songs")
    datasets.DatasetDict({"test": songs["test"]}).save_to_disk(str(pool / "songs"))
    # Warm the cache with the test songs' audio and vectors, so both runs do the same work on the pool.
    crossmusim("evaluate", "--dataset", str(pool), "--baseline", "dsp", "--baseline", "random", "--out",
               str(work / "warm"), env=env)  # fmt: skip
    rows = {}
    for name, dataset in (("with training statistics", full), ("scored pool only (peer)", pool)):
        seconds, peak = crossmusim("evaluate", "--dataset", str(dataset), "--baseline", "dsp", "--baseline", "random",
                                   "--out", str(work / name.split()[0]), env=env)  # fmt: skip
        rows[name] = {"seconds": round(seconds, 1), "peak_rss_mb": round(peak, 1)}
    ratio = rows["with training statistics"]["peak_rss_mb"] / rows["scored pool only (peer)"]["peak_rss_mb"]
    print(json.dumps({"songs": args.songs, "train_songs": len(songs["train"]), "test_songs": len(songs["test"]),
                      "train_audio_mb": round(train_bytes / 2**20, 1), "runs": rows, "peak_ratio": round(ratio, 3),
                      "goal": "peak_ratio <= 1.10"}, indent=2))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
