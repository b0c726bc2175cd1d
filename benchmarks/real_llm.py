"""`crossmusim generate` against a real model behind any OpenAI-compatible endpoint.

Runs the real command on a fixed list of well-known songs (with the album and year we hold for them)
and invented ones, in both prompt languages, and reports per language: valid replies (described or
abstained, not failed), repair turns, descriptions too short to be sentences, abstention on invented
songs, fact-check agreement on real songs (when the records carry `fact_check`), and completion
tokens per second.

    python benchmarks/real_llm.py --base-url http://127.0.0.1:8089/v1 [--model NAME] [--langs en,zh]

Grounded mode (`--kdconv DIR`, e.g. ../shared/realdata/kdconv-music): KdConv's songs written as crawl
records, each described with and without `generate --ground` in every language of `--langs`; reports
per mode fact agreement (singer, album, year), genre agreement with the page's 音乐风格, abstentions
(two invented songs: an empty page, a page about a person), failures and tokens/s
(see benchmarks/kdconv_ground.py). `--limit N` keeps the first N songs by name.

Backends that work: llama.cpp's `llama-server`, vLLM, Ollama, a hosted provider (`--provider`,
key from the environment). See ../shared/notes/real-llm-offline.md for a small local model here.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# title, artist, album, year, real?
SONGS = [
    ("晴天", "周杰伦", "叶惠美", 2003, True),
    ("海阔天空", "Beyond", "乐与怒", 1993, True),
    ("月亮代表我的心", "邓丽君", "岛国之情歌第四集 淡淡幽情", 1977, True),
    ("童年", "罗大佑", "之乎者也", 1982, True),
    ("后来", "刘若英", "我等你", 2000, True),
    ("Yesterday", "The Beatles", "Help!", 1965, True),
    ("Bohemian Rhapsody", "Queen", "A Night at the Opera", 1975, True),
    ("Hotel California", "Eagles", "Hotel California", 1976, True),
    ("雾港旧信", "林晓岚", "", None, False),  # invented
    ("Glass Orchard Lullaby", "The Velvet Tidewaters", "", None, False),  # invented
]


def write_songs(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "artist", "album", "year"])
        for i, (title, artist, album, year, _) in enumerate(SONGS):
            writer.writerow([f"s{i}", title, artist, album, year or ""])


def too_short(text: str) -> bool:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return (cjk < 12) if cjk > len(text) / 3 else len(text.split()) < 12


def run(args: argparse.Namespace, lang: str, root: Path) -> dict:
    songs, out = root / "songs.csv", root / f"out-{lang}"
    write_songs(songs)
    command = [sys.executable, "-m", "crossmusim.cli.app", "generate", "--llm", args.model, "--provider",
               args.provider, "--base-url", args.base_url, "--songs", str(songs), "--out", str(out), "--lang", lang,
               "--concurrency", str(args.concurrency), "--timeout", "600", "--max-year", "2030"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"generate failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    records = {r["song_id"]: r for r in map(json.loads, (out / "descriptions.jsonl").read_text("utf-8").splitlines())}
    real = [records[f"s{i}"] for i, s in enumerate(SONGS) if s[4]]
    invented = [records[f"s{i}"] for i, s in enumerate(SONGS) if not s[4]]
    status = Counter(r["status"] for r in records.values())
    checks = Counter(r.get("fact_check", "n/a") for r in real if r["status"] == "described")
    tokens = sum(r.get("usage", {}).get("completion_tokens", 0) for r in records.values())
    return {
        "lang": lang,
        "records": len(records),
        "status": dict(status),
        "valid": (status["described"] + status["abstained"]) / len(records),
        "repaired": sum(1 for r in records.values() if r.get("repaired")),
        "short_descriptions": sum(
            1 for r in records.values() if r["status"] == "described" and too_short(r["description"])
        ),
        "invented_abstained": sum(1 for r in invented if r["status"] == "abstained"),
        "invented": len(invented),
        "real_described": sum(1 for r in real if r["status"] == "described"),
        "fact_check_on_real": dict(checks),
        "failures": [r.get("error", "") for r in records.values() if r["status"] == "failed"],
        "tokens_per_s": tokens / wall,
        "wall_s": wall,
        "examples": {r["title"]: (r["description"] or r.get("raw") or "")[:160] for r in records.values()},
    }  # fmt: skip


def run_grounded(args: argparse.Namespace, root: Path) -> list[dict]:
    """KdConv's songs with and without --ground, per language (benchmarks/kdconv_ground.py)."""
    from kdconv_ground import score, write_inputs

    songs = write_inputs(args.kdconv, root, args.limit)
    results = []
    for lang in args.langs.split(","):
        for grounded in (False, True):
            out = root / f"out-{lang}-{'grounded' if grounded else 'plain'}"
            command = [sys.executable, "-m", "crossmusim.cli.app", "generate", "--llm", args.model, "--provider",
                       args.provider, "--base-url", args.base_url, "--songs", str(root / "songs.csv"), "--out",
                       str(out), "--lang", lang, "--concurrency", str(args.concurrency), "--timeout", "900",
                       "--max-year", "2030", *(["--ground", str(root / "crawl")] if grounded else [])]  # fmt: skip
            started = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"generate failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
            lines = (out / "descriptions.jsonl").read_text("utf-8").splitlines()
            records = {r["song_id"]: r for r in map(json.loads, lines)}
            result = {"lang": lang, "grounded": grounded, "songs": len(songs),
                      **score(songs, records, time.perf_counter() - started)}  # fmt: skip
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="local-model")
    parser.add_argument("--provider", default="openai-compatible")
    parser.add_argument("--langs", default="en,zh")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--kdconv", type=Path, help="Grounded mode: KdConv's folder (with and without --ground).")
    parser.add_argument("--limit", type=int, default=1000, help="Grounded mode: the first N KdConv songs.")
    parser.add_argument("--work", type=Path, help="Keep inputs and outputs here (default: a temporary folder).")
    args = parser.parse_args()
    if args.kdconv is not None:
        if args.work is None:
            raise SystemExit("--kdconv needs --work DIR (its outputs are the evidence)")
        results = run_grounded(args, args.work)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in args.langs.split(","):
            result = run(args, lang, Path(tmp))
            results.append(result)
            print(f"[{lang}] {result['records']} songs: {result['status']}; valid {result['valid']:.0%}, "
                  f"repaired {result['repaired']}, too-short descriptions {result['short_descriptions']}, "
                  f"invented songs abstained {result['invented_abstained']}/{result['invented']}, "
                  f"fact check on {result['real_described']} described real songs {result['fact_check_on_real']}, "
                  f"{result['tokens_per_s']:.1f} completion tokens/s ({result['wall_s']:.0f} s)")  # fmt: skip
            for error in result["failures"]:
                print(f"    failed: {error[:200]}")
            for title, text in result["examples"].items():
                print(f"    {title}: {text!r}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
