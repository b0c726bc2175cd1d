"""The README's main job, measured: `crossmusim demo` on its default world (480 songs, 3 split seeds)
from a cold start (nothing cached), in a process of its own. Reports wall time, time per stage, the
peak resident memory of the largest process (the demo or its crawl), and the demo's table.

    python benchmarks/demo.py [--songs 480] [--seeds 3] [--out DIR] [--warm]

`--warm` reuses DIR's rendered world and feature cache (the second run a user sees). The figures go
to RESULTS.md by hand, with the date and the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=480)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="Demo folder (default: a new temporary one).")
    parser.add_argument("--warm", action="store_true", help="Keep the world and caches already in --out.")
    args = parser.parse_args()
    if args.warm and args.out is None:
        raise SystemExit("--warm needs --out: the folder whose world and caches to reuse")
    out = args.out or Path(tempfile.mkdtemp(prefix="crossmusim-demo-bench-"))
    command = [sys.executable, "-m", "crossmusim", "demo", "--out", str(out), "--songs", str(args.songs),
               "--seeds", str(args.seeds)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"demo failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
    run = max((out / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    report = json.loads((run / "demo.json").read_text("utf-8"))
    by_kind: dict[str, float] = defaultdict(float)
    for stage in report["stages"]:
        by_kind[stage["name"].split()[0]] += stage["seconds"]
    print(json.dumps({
        "songs": args.songs,
        "seeds": args.seeds,
        "cold": not args.warm,
        "wall_s": round(wall, 1),
        "peak_rss_mib_largest_process": round(peak_mib),
        "seconds_by_stage": {k: round(v, 1) for k, v in by_kind.items()},
        "best_text_types": report["best_text_types"],
        "run": str(run),
    }, indent=2))  # fmt: skip
    print((run / "report.md").read_text("utf-8"))


if __name__ == "__main__":
    main()
