"""generate over several OpenAI-compatible servers (`--base-url` repeated): does N servers give close
to N times the throughput of one? Each server is the fake model in a process of its own with a fixed
capacity (`--slots` requests worked on at once, each taking `--latency` seconds: a GPU server's batch
in miniature), so one server's throughput is capped at slots / latency. The same songs go through
`crossmusim generate` with 1, 2, ... servers in the same run; the ratio is against one server.

    python benchmarks/generate_servers.py [--songs 400] [--servers 1 2 4] [--slots 4] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def start(slots: int, latency: float) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "crossmusim.testing.fake_llm_server", "--port", str(port),
                             "--slots", str(slots), "--latency", str(latency)], stdout=subprocess.DEVNULL)  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("a fake server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=400)
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-servers-"))
    rows: list[dict] = []
    for n in args.servers:
        servers = [start(args.slots, args.latency) for _ in range(n)]
        songs = work / f"songs{n}.csv"  # new titles per run: nothing is answered from a cache
        rows_csv = "".join(f"歌{n}-{i:05d},歌手{i % 50},id{i}\n" for i in range(args.songs))
        songs.write_text("title,artist,id\n" + rows_csv, encoding="utf-8")
        command = [sys.executable, "-m", "crossmusim", "generate", "--llm", "qwen2-7b", "--provider",
                   "openai-compatible", "--songs", str(songs), "--out", str(work / f"out{n}"),
                   "--concurrency", str(2 * args.slots * n)]  # fmt: skip
        for _, url in servers:
            command += ["--base-url", url]
        began = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - began
        for server, _ in servers:
            server.terminate()
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-1500:])
        rows.append({"servers": n, "songs_per_s": round(args.songs / seconds, 1), "seconds": round(seconds, 1)})
    base = rows[0]["songs_per_s"]
    for row in rows:
        row["vs_one"] = round(row["songs_per_s"] / base, 2)
    cap = args.slots / args.latency
    print(json.dumps({"capacity_per_server_req_s": cap, "songs": args.songs, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
