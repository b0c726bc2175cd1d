"""Throughput and latency of `crossmusim serve` (issue 36, point 4): a pool of 200,000 vectors at the
model's dimension (256, the cpu preset's head), `/v1/similar` under bounded concurrent load on loopback,
against the same FAISS search called in-process on the same queries with the same concurrency.

    python benchmarks/serve.py [--songs 200000] [--dim 256] [--requests 2000] [--clients 8]

For `--workers 1` and `2`: p50/p99 latency and requests per second of the service, and its ratio to the
in-process peer (goal: at least 0.7x). Also the event write rate (`POST /v1/events`, one event a request,
acknowledged only once stored) into SQLite and into PostgreSQL (a real postgres on loopback, started as
the tests start it; left out where it is not installed). Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the loopback helpers the tests use

from tests.support.http import free_port  # noqa: E402


def make_index(folder: Path, songs: int, dim: int) -> list[str]:
    from crossmusim.evaluation.retrieval import build_pool, save_pool

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(64, dim))
    vectors = (centres[rng.integers(0, 64, songs)] + rng.normal(size=(songs, dim))).astype(np.float32)
    ids = [f"s{n:06d}" for n in range(songs)]
    meta = {i: {"title": f"Song {n}", "artist": f"Artist {n % 5000}"} for n, i in enumerate(ids)}
    save_pool(build_pool(ids, vectors, meta), folder)
    return ids


def timed(calls, clients: int) -> dict[str, float]:
    """Run the calls on `clients` threads; latency percentiles (ms) and calls per second."""

    def one(call):
        began = time.perf_counter()
        call()
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, calls))
    wall = time.perf_counter() - began
    return {"p50_ms": 1000 * float(np.percentile(latencies, 50)), "p99_ms": 1000 * float(np.percentile(latencies, 99)),
            "per_s": len(latencies) / wall}  # fmt: skip


def in_process(folder: Path, queries: list[str], clients: int) -> dict[str, float]:
    from crossmusim.evaluation.retrieval import load_pool, search

    pool = load_pool(folder)
    position = {item["id"]: n for n, item in enumerate(pool.items)}

    def call(song: str):
        return lambda: search(pool, pool.index.reconstruct(position[song])[None, :], 20, exclude={song})

    return timed([call(q) for q in queries], clients)


def start(folder: Path, events: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "crossmusim", "serve", "--index", str(folder), "--events", events,
                               "--port", str(port), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("crossmusim serve did not start") from None
            time.sleep(0.5)


def get(url: str):
    return lambda: urllib.request.urlopen(url, timeout=60).read()


def post(url: str, body):
    data = json.dumps(body).encode()
    return lambda: urllib.request.urlopen(urllib.request.Request(url, data, {"Content-Type": "application/json"}),
                                          timeout=60).read()  # fmt: skip


def service(folder: Path, events: str, queries: list[str], clients: int, workers: int) -> dict[str, float]:
    server, base = start(folder, events, workers)
    try:
        for song in queries[:20]:  # warm: every worker loaded, caches hot
            get(f"{base}/v1/similar?song={song}&k=20&user=w")()
        return timed([get(f"{base}/v1/similar?song={q}&k=20&user=u{n}") for n, q in enumerate(queries)], clients)
    finally:
        server.terminate()
        server.wait()


def event_rate(folder: Path, events: str, count: int, clients: int) -> dict[str, float]:
    server, base = start(folder, events, 1)
    try:
        calls = [post(f"{base}/v1/events", {"user": f"u{n % 500}", "song": "s000001", "event": "play"})
                 for n in range(count)]  # fmt: skip
        return timed(calls, clients)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        began = time.perf_counter()
        ids = make_index(folder, args.songs, args.dim)
        print(json.dumps({"index": str(folder), "songs": args.songs, "dim": args.dim,
                          "build_s": round(time.perf_counter() - began, 1)}), flush=True)  # fmt: skip
        queries = list(np.random.default_rng(1).choice(ids, size=args.requests))
        peer = in_process(folder, queries, args.clients)
        print(json.dumps({"what": "in-process FAISS search", "clients": args.clients, **peer}), flush=True)
        for workers in (1, 2):
            found = service(folder, f"sqlite:///{tmp}/events-{workers}.sqlite", queries, args.clients, workers)
            print(json.dumps({"what": "serve /v1/similar", "workers": workers, "clients": args.clients, **found,
                              "ratio_to_in_process": found["per_s"] / peer["per_s"]}), flush=True)  # fmt: skip
        sqlite = event_rate(folder, f"sqlite:///{tmp}/events-rate.sqlite", args.events, args.clients)
        print(json.dumps({"what": "POST /v1/events into SQLite", **sqlite}), flush=True)
        try:
            from tests.support.postgres_server import postgres_server

            with postgres_server() as url:
                pg = event_rate(folder, url, args.events, args.clients)
            print(json.dumps({"what": "POST /v1/events into PostgreSQL", **pg}), flush=True)
        except FileNotFoundError as exc:
            print(json.dumps({"what": "POST /v1/events into PostgreSQL", "skipped": str(exc)}), flush=True)


if __name__ == "__main__":
    main()
