"""LLM request throughput: crossmusim's generate path against a bare AsyncOpenAI loop, same server.

The fake OpenAI-compatible server answers at once, in its own process; both clients send the same
number of describe requests at concurrency 64 in the same run (alternating). crossmusim's path adds
the cache, limits, validation and ordered JSONL writing. Goal >= 0.9x. Also: cache-hit lookups per
second (goal >= 20,000/s), for the bare SQLite lookup and for the whole cached call path.

    python benchmarks/generate.py [--requests 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from openai import AsyncOpenAI

from crossmusim.generate.describe import describe_song, describe_template, song_data, song_prompt
from crossmusim.io import JsonlAppender
from crossmusim.llm.base import RequestParams
from crossmusim.llm.cache import RequestCache
from crossmusim.llm.caller import LLMCaller
from crossmusim.llm.jobs import run_jobs
from crossmusim.llm.openai_compat import OpenAICompatibleClient
from crossmusim.llm.registry import resolve
from crossmusim.records import SongRef

CONCURRENCY = 64


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossmusim.testing.fake_llm_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/v1"


def songs(n: int, salt: str) -> list[SongRef]:
    return [SongRef(id=f"{salt}{i}", title=f"歌曲{salt}{i}", artist=f"歌手{i % 50}") for i in range(n)]


async def bare_loop(base_url: str, n: int, salt: str) -> float:
    client = AsyncOpenAI(base_url=base_url, api_key="EMPTY", max_retries=0)
    template = describe_template("en")
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(song: SongRef) -> None:
        async with semaphore:
            messages = template.messages("song", song_data(song.title, song.artist))
            # The same request body crossmusim sends (JSON mode of an OpenAI-compatible server, seed).
            await client.chat.completions.create(
                model="fake",
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=0.2,
                max_tokens=700,
                seed=0,
                response_format={"type": "json_object"},
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(s) for s in songs(n, salt)))
    elapsed = time.perf_counter() - started
    await client.close()
    return n / elapsed


async def crossmusim_path(base_url: str, n: int, salt: str, workdir: Path) -> float:
    model = resolve("fake", "openai-compatible")
    cache = RequestCache(workdir / f"cache-{salt}.sqlite")
    client = OpenAICompatibleClient("openai-compatible", base_url, None, json_mode="json_object")
    caller = LLMCaller(client, model, cache)
    started = time.perf_counter()
    with JsonlAppender(workdir / f"out-{salt}.jsonl") as out:
        outcome = await run_jobs(
            songs(n, salt),
            lambda s: describe_song(caller, s, song_prompt(s, "en", 0.2, 700)),
            out,
            concurrency=CONCURRENCY,
        )
    elapsed = time.perf_counter() - started
    await client.aclose()
    cache.close()
    assert outcome.written == n
    return n / elapsed


def cache_hit_rates(workdir: Path, n: int = 20000) -> tuple[float, float]:
    cache = RequestCache(workdir / "hits.sqlite")
    model = resolve("fake", "openai-compatible")
    caller = LLMCaller(None, model, cache)
    template, params = describe_template("en"), RequestParams()
    from crossmusim.llm.base import Completion, Usage

    messages = [template.messages("song", song_data(f"t{i}", "a")) for i in range(n)]
    keys = [caller.key(m, template.id, params) for m in messages]
    for key in keys:
        cache.put(key, "p", "m", template.id, Completion('{"known": false}', "stop", Usage(1, 1)))
    started = time.perf_counter()
    for key in keys:
        assert cache.get(key) is not None
    raw = n / (time.perf_counter() - started)

    async def cached_calls() -> float:
        begin = time.perf_counter()
        for m in messages:
            await caller.call(m, template.id, params)
        return n / (time.perf_counter() - begin)

    full = asyncio.run(cached_calls())
    cache.close()
    return raw, full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    server, base_url = start_server()
    rates: dict[str, list[float]] = {"bare": [], "crossmusim": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                rates["bare"].append(asyncio.run(bare_loop(base_url, args.requests, f"b{r}")))
                rates["crossmusim"].append(asyncio.run(crossmusim_path(base_url, args.requests, f"c{r}", Path(tmp))))
            raw, full = cache_hit_rates(Path(tmp))
    finally:
        server.terminate()
    ours, peer = statistics.median(rates["crossmusim"]), statistics.median(rates["bare"])
    print(f"{args.requests} describe requests per run, concurrency {CONCURRENCY}, fake server answering at once")
    print(f"crossmusim generate path: {ours:7.1f} req/s  (runs: {', '.join(f'{x:.1f}' for x in rates['crossmusim'])})")
    print(f"bare AsyncOpenAI loop:    {peer:7.1f} req/s  (runs: {', '.join(f'{x:.1f}' for x in rates['bare'])})")
    print(f"ratio crossmusim / bare = {ours / peer:.2f}x  (goal >= 0.90x)")
    print(f"cache hits: {raw:,.0f} lookups/s (SQLite get), {full:,.0f} cached calls/s (key + lookup); goal >= 20,000/s")


if __name__ == "__main__":
    main()
