"""The whole `build-dataset` on 200k synthetic records (zh and en, with planted near-duplicates) on
this machine's 2 cores: wall time and peak memory (goals <= 10 min, <= 4 GB). Then near-duplicate
detection against datasketch's MinHashLSH on the same texts, in the same run, both given the same
LSH bands and the same screen-then-exact-Jaccard confirmation, found pairs counted the same way:
throughput at equal recall (goal >= 1.0x) and recall/precision against exact Jaccard on the planted
pairs (goals >= 0.95, >= 0.9).

    python benchmarks/build_dataset.py [--records 200000] [--songs 20000] [--near-texts 50000]
                                       [--engines local ray] [--no-near]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from crossmusim.curation.dedup import SCREEN_MARGIN, lsh_params, near_duplicate_of, normalise_for_dedup

THRESHOLD, NUM_PERM, NGRAM = 0.8, 128, 5
ZH_PHRASES = [
    "歌曲以钢琴和弦乐伴奏开场",
    "节奏舒缓",
    "女声温柔地唱出对逝去爱情的怀念",
    "副歌部分情绪逐渐高涨",
    "电吉他和鼓点加入",
    "编曲简洁",
    "男声低沉而富有磁性",
    "描写了校园里的青春时光",
    "旋律朗朗上口",
    "带有浓厚的怀旧气息",
    "节奏明快",
    "歌词讲述了离别与重逢",
    "二胡与古筝营造出中国风的意境",
    "合成器音色营造出梦幻的氛围",
    "整首歌充满了希望与力量",
]
EN_PHRASES = [
    "a slow ballad built on piano and strings",
    "a soft female vocal carries the melody",
    "mid-tempo drums",
    "an energetic rock song with distorted electric guitar",
    "the mood is melancholic and nostalgic",
    "the lyrics are about first love and growing up",
    "a warm male vocal",
    "synthesizers and a drum machine",
    "the chorus lifts with layered harmonies",
    "acoustic guitar and light percussion",
    "a fast dance beat",
    "the arrangement is sparse and intimate",
    "a brass section answers the vocal",
    "the tempo is slow",
]


ZH_WORDS = list("春夏秋冬山水风雨花月星云海河城街灯影梦心光路夜晨雪霜歌声琴鼓笛弦")
EN_WORDS = (
    "river moon street night summer window letter train shadow garden city ocean mirror candle "
    "harbor winter morning echo silver paper"
).split()


def sentence(rng: random.Random, phrases: list[str], zh: bool, n: int) -> str:
    """Shared musical phrases plus free words: random texts overlap like real captions, not more."""
    picks = rng.sample(phrases, n)
    if zh:
        free = ["".join(rng.choices(ZH_WORDS, k=rng.randint(4, 8))) for _ in range(n)]
        return "，".join(p + "，" + f for p, f in zip(picks, free, strict=True)) + "。"
    free = [" and the ".join(rng.choices(EN_WORDS, k=rng.randint(2, 3))) for _ in range(n)]
    return (", ".join(p + " like the " + f for p, f in zip(picks, free, strict=True)) + ".").capitalize()


def perturb(rng: random.Random, text: str, share: float) -> str:
    chars = list(text)
    for i in rng.sample(range(len(chars)), max(1, int(len(chars) * share))):
        chars[i] = rng.choice("的了和在是有xyzqwk")
    return "".join(chars)


def make_inputs(root: Path, records: int, songs: int, seed: int = 0) -> list[tuple[int, int]]:
    """Writes crawl + generate outputs and an audio manifest; returns planted (copy, original) pairs."""
    rng = random.Random(seed)
    artists = [f"歌手{i:04d}" if i % 2 == 0 else f"Artist {i:04d}" for i in range(max(1, songs // 10))]
    catalogue = [(f"歌曲{i:05d}" if i % 2 == 0 else f"Song {i:05d}", artists[i % len(artists)]) for i in range(songs)]
    texts: list[str] = []
    planted: list[tuple[int, int]] = []

    def next_text(zh: bool) -> str:
        if texts and rng.random() < 0.05:
            original = rng.randrange(len(texts))
            if ("，" in texts[original]) == zh:
                planted.append((len(texts), original))
                texts.append(perturb(rng, texts[original], rng.uniform(0.01, 0.12)))
                return texts[-1]
        texts.append(sentence(rng, ZH_PHRASES if zh else EN_PHRASES, zh, rng.randint(3, 5)))
        return texts[-1]

    zh_rows, en_rows = records // 2 // 2, records // 2
    with (root / "songs.jsonl").open("w", encoding="utf-8") as out:
        for i in range(zh_rows):
            title, artist = catalogue[(2 * i) % songs]
            row = {
                "title": title,
                "artists": [artist],
                "canonical_url": f"https://baike.baidu.com/item/x/{i}",
                "page_id": str(i),
                "review": next_text(True),
                "background": next_text(True),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (root / "descriptions.jsonl").open("w", encoding="utf-8") as out:
        for i in range(en_rows):
            title, artist = catalogue[(2 * i + 1) % songs]
            row = {
                "song_id": f"g{i}",
                "title": title,
                "artist": artist,
                "status": "described",
                "model": "qwen2-7b",
                "description": next_text(False),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    audio = root / "audio"
    audio.mkdir()
    tone = (0.1 * np.sin(np.linspace(0, 40 * np.pi, 400))).astype("float32")
    with (audio / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "title", "artist", "id"])
        for i, (title, artist) in enumerate(catalogue):
            sf.write(audio / f"{i:05d}.wav", tone, 8000)
            writer.writerow([f"{i:05d}.wav", title, artist, ""])
    (root / "texts.json").write_text(json.dumps({"texts": texts, "planted": planted}, ensure_ascii=False))
    return planted


def shingles(text: str) -> set[str]:
    norm = normalise_for_dedup(text)
    return {norm[i : i + NGRAM] for i in range(max(1, len(norm) - NGRAM + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def clusters_of(pairs: set[tuple[int, int]]):
    """Connected clusters of confirmed pairs; both sides are counted by this same rule."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[find(a)] = find(b)
    return lambda c, o: find(c) == find(o)


def evaluate(pairs_found: set[tuple[int, int]], planted, texts) -> tuple[float, float]:
    """Recall: planted pairs over the threshold whose texts share a cluster; precision over pairs reported."""
    same_cluster = clusters_of(pairs_found)
    truth = [(c, o) for c, o in planted if jaccard(texts[c], texts[o]) >= THRESHOLD]
    recall = sum(same_cluster(c, o) for c, o in truth) / max(1, len(truth))
    correct = sum(jaccard(texts[a], texts[b]) >= THRESHOLD - 0.05 for a, b in pairs_found)
    return recall, correct / max(1, len(pairs_found))


def near_dup_comparison(texts: list[str], planted: list[tuple[int, int]]) -> dict:
    """Both sides: the same shingles, the same LSH bands, candidates screened by the MinHash estimate
    (>= threshold - margin), then confirmed on exact Jaccard; found pairs counted the same way."""
    from datasketch import MinHash, MinHashLSH

    bands, rows = lsh_params(THRESHOLD, NUM_PERM)
    started = time.perf_counter()
    ours = near_duplicate_of(texts, threshold=THRESHOLD, num_perm=NUM_PERM, ngram=NGRAM)
    ours_s = time.perf_counter() - started
    ours_pairs = {(i, r) for i, r in enumerate(ours) if r is not None}

    started = time.perf_counter()
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(bands, rows))
    hashes, shingle_sets = [], []
    theirs_pairs: set[tuple[int, int]] = set()
    for i, text in enumerate(texts):
        grams = shingles(text)
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in grams])
        for j in lsh.query(m):
            if hashes[j].jaccard(m) >= THRESHOLD - SCREEN_MARGIN:
                common = len(grams & shingle_sets[j])
                if common / (len(grams) + len(shingle_sets[j]) - common) >= THRESHOLD:
                    theirs_pairs.add((i, j))
        lsh.insert(i, m)
        hashes.append(m)
        shingle_sets.append(grams)
    theirs_s = time.perf_counter() - started
    return {
        "texts": len(texts),
        "bands": (bands, rows),
        "ours_per_s": len(texts) / ours_s,
        "theirs_per_s": len(texts) / theirs_s,
        "ours": evaluate(ours_pairs, planted, texts),
        "theirs": evaluate(theirs_pairs, planted, texts),
    }


_MEASURE = (
    "import resource, subprocess, sys; proc = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(proc.returncode)"
)


def whole_build(root: Path, engine: str = "local") -> None:
    """One build in a process of its own, through a wrapper that reports that process's peak memory
    (with --engine ray: the driver's; Ray's workers are the raylet's children, not ours)."""
    command = [
        sys.executable,
        "-m",
        "crossmusim.cli.app",
        "build-dataset",
        "--crawl",
        str(root / "songs.jsonl"),
        "--generated",
        str(root / "descriptions.jsonl"),
        "--audio",
        str(root / "audio" / "manifest.csv"),
        "--out",
        str(root / f"dataset-{engine}"),
        "--engine",
        engine,
    ]  # default: audio bytes embedded
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    peak_gb = int(proc.stderr.strip().splitlines()[-1]) / 1024 / 1024
    stats = json.loads((root / f"dataset-{engine}" / "stats.json").read_text(encoding="utf-8"))
    print(proc.stdout.strip())
    print(
        f"whole build ({engine} engine): {wall:.0f} s, peak memory {peak_gb:.2f} GB (goal <= 4); "
        f"near duplicates dropped: {stats['stats']['by_step'].get('dedup_near', {})}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--songs", type=int, default=20_000)
    parser.add_argument("--near-texts", type=int, default=50_000)
    parser.add_argument("--near-only", action="store_true", help="Skip the whole build; compare near dedup only.")
    parser.add_argument("--engines", nargs="+", default=["local"], choices=["local", "ray"])
    parser.add_argument("--no-near", action="store_true", help="Skip the near-dedup comparison with datasketch.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        make_inputs(root, args.records, args.songs)
        elapsed = time.perf_counter() - started
        print(f"synthetic inputs: {args.records} records over {args.songs} songs in {elapsed:.0f} s")
        if not args.near_only:
            for engine in args.engines:
                whole_build(root, engine)
        if args.no_near:
            return
        data = json.loads((root / "texts.json").read_text(encoding="utf-8"))
    texts, planted = data["texts"][: args.near_texts], [tuple(p) for p in data["planted"]]
    planted = [(c, o) for c, o in planted if c < len(texts)]
    result = near_dup_comparison(texts, planted)
    print(
        f"near duplicates on {result['texts']} texts ({len(planted)} planted pairs), threshold {THRESHOLD}, "
        f"{NUM_PERM} permutations, char {NGRAM}-grams, LSH {result['bands'][0]}x{result['bands'][1]} bands on both "
        "sides, MinHash screen then exact Jaccard on both sides:"
    )
    print(
        f"  crossmusim: {result['ours_per_s']:8.0f} texts/s, recall {result['ours'][0]:.3f}, "
        f"precision {result['ours'][1]:.3f}"
    )
    print(
        f"  datasketch: {result['theirs_per_s']:8.0f} texts/s, recall {result['theirs'][0]:.3f}, "
        f"precision {result['theirs'][1]:.3f}"
    )
    print(f"  ratio crossmusim / datasketch = {result['ours_per_s'] / result['theirs_per_s']:.2f}x (goal >= 1.0x)")


if __name__ == "__main__":
    main()
