"""crawl shared by several workers through Redis (`crawl --redis-url`): pages per second with 1 and 2
workers, against one process crawling alone, in the same run.

Two sites on loopback, both synthetic (the `testing.synthetic_site` pages):
- `slow`: every page takes `--latency` seconds to answer and the delay is small: one worker, which
  keeps one request at a time per site, is bound by the latency; more workers should add up;
- `polite`: pages answer at once and the delay is large: the shared rate limit is the bound, and two
  workers must not crawl faster than one (one rate for the cluster, not one per worker), and no
  second may hold more than 1 / delay + 1.5 requests (`most_in_a_second`).

    python benchmarks/crawl_workers.py [--songs 200] [--latency 0.1] [--delay 0.02] [--polite-delay 0.1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.redis_server import redis_server  # noqa: E402

from crossmusim.demo.site import LocalSite  # noqa: E402
from crossmusim.io import read_jsonl  # noqa: E402
from crossmusim.testing.synthetic_site import synthetic_spec  # noqa: E402

TERMS = ("流行", "摇滚", "民谣", "伤感")


def run(site: LocalSite, work: Path, terms: Path, delay: float, workers: int, redis_url: str | None) -> dict:
    site.reset()
    name = f"{'alone' if redis_url is None else f'w{workers}'}-{delay}"
    procs = []
    began = time.perf_counter()
    for w in range(workers):
        command = [sys.executable, "-m", "crossmusim", "crawl", "--base-url", site.url, "--terms", str(terms),
                   "--out", str(work / name / str(w)), "--delay", str(delay), "--timeout", "10"]  # fmt: skip
        if redis_url is not None:
            command += ["--redis-url", redis_url, "--redis-key", name, "-s", "CROSSMUSIM_CLUSTER_IDLE_CLOSE=1"]
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(err[-1500:])
    seconds = time.perf_counter() - began
    titles = [r["title"] for w in range(workers) for r in read_jsonl(work / name / str(w) / "songs.jsonl")]
    pages = sum(site.hits.values())
    times = sorted(t for t, _ in site.log)
    return {
        "mode": "alone" if redis_url is None else f"{workers} worker{'s' * (workers > 1)}",
        "songs": len(titles),
        "unique_songs": len(set(titles)),
        "pages": pages,
        "seconds": round(seconds, 1),
        "pages_per_s": round(pages / seconds, 1),
        "site_pages_per_s": round((len(times) - 1) / (times[-1] - times[0]), 1),  # first to last request
        # The rate promise: the most requests the site saw in any one second, and the closest two.
        "most_in_a_second": max(sum(1 for t in times if start <= t < start + 1.0) for start in times),
        "closest_s": round(min(b - a for a, b in pairwise(times)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--polite-delay", type=float, default=0.1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-crawl-workers-"))
    terms = work / "terms.txt"
    terms.write_text("\n".join(TERMS) + "\n", encoding="utf-8")
    spec = synthetic_spec(args.songs, TERMS)
    results: dict[str, list[dict]] = {}
    with redis_server(work) as redis_url:
        for label, latency, delay in (("slow", args.latency, args.delay), ("polite", 0.0, args.polite_delay)):
            site = LocalSite(spec, delay=latency)
            site.start()
            try:
                rows = [run(site, work, terms, delay, 1, None)]
                rows += [run(site, work, terms, delay, n, redis_url) for n in (1, 2)]
            finally:
                site.stop()
            for row in rows:
                row["vs_alone"] = round(row["pages_per_s"] / rows[0]["pages_per_s"], 2)
            results[f"{label} (latency {latency} s, delay {delay} s)"] = rows
    print(json.dumps({"songs": args.songs, "runs": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
