"""How hard is the demo world for audio alone? Render a world (FluidSynth), embed every song with
the pretrained musicnn-MSD tower as it is, and report music-to-music mAP@100 for genre, sub-genre and
mood against random vectors, with the same-artist share of the top 10 beside its chance level. A
world that raw musicnn already solves leaves nothing for text to teach (issue 12). Also: render and
embedding speed.

    python benchmarks/demo_world.py [--artists 24] [--songs 5] [--seconds 10] [--seed 0]
    python benchmarks/demo_world.py --pipeline [--artists 48] [--songs 10]

`--pipeline` runs the method on the world through the real commands: captions written from each
song's labels (a stand-in for the LLM: they are label-derived text, 20% with a wrong mood, so this
measures text as weak label supervision), build-dataset (artist-disjoint splits), train with the
`cpu` preset, and evaluate against musicnn, dsp and random on the test artists.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from crossmusim.demo.world.artists import make_world
from crossmusim.demo.world.labels import GENRES
from crossmusim.demo.world.render import render
from crossmusim.evaluation.baselines import MusicnnEmbedder
from crossmusim.evaluation.embeddings_io import normalise
from crossmusim.evaluation.metrics import m2m_map, same_artist
from crossmusim.model.audio_cache import resample

MOOD_WORDS = {
    "happy": ["cheerful", "bright", "upbeat"],
    "sad": ["melancholic", "sad", "wistful"],
    "tense": ["tense", "dark", "uneasy"],
    "calm": ["calm", "peaceful", "dreamy"],
}


def caption(song, rng: np.random.Generator) -> str:
    mood = song.mood if rng.random() > 0.2 else str(rng.choice([m for m in MOOD_WORDS if m != song.mood]))
    word = str(rng.choice(MOOD_WORDS[mood]))
    parts = [
        f"A {word} {song.subgenre} song, {song.genre} at heart, around {round(song.tempo)} BPM.",
        f"The {', '.join(i for i in song.instruments if i != 'drums')} and drums carry it in {song.key} {song.mode}.",
        f"It would suit {song.scenario}.",
    ]
    return " ".join(parts[: int(rng.integers(2, 4))])


def pipeline(args, songs) -> dict:
    import csv
    import subprocess
    import sys

    work = Path(tempfile.mkdtemp(prefix="crossmusim-world-"))
    rng = np.random.default_rng(args.seed)
    audio, gen = work / "audio", work / "gen"
    gen.mkdir(parents=True)
    rows, records, tags = [], [], ["song_id,level,tag"]
    for song in songs:
        render(song, audio / f"{song.id}.wav", seconds=args.seconds)
        rows.append({"path": f"{song.id}.wav", "title": song.title, "artist": song.artist.name, "id": song.id})
        records.append(
            {
                "song_id": song.id,
                "title": song.title,
                "artist": song.artist.name,
                "status": "described",
                "model": "label-stand-in",
                "description": caption(song, rng),
            }
        )
        tags += [f"{song.id},coarse,{t}" for t in (song.genre, song.mood, song.scenario)] + [
            f"{song.id},fine,{song.subgenre}"
        ]
    with (audio / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "title", "artist", "id"])
        writer.writeheader()
        writer.writerows(rows)
    (gen / "descriptions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    (work / "tags.csv").write_text("\n".join(tags) + "\n", "utf-8")

    def cli(*argv: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "crossmusim", *argv],
            capture_output=True,
            text=True,
            env={**os.environ, "CROSSMUSIM_CACHE": str(work / "cache")},
        )
        if proc.returncode != 0:
            raise SystemExit(f"crossmusim {argv[0]} failed: {proc.stderr[-2000:]}")
        return proc.stdout

    cli(
        "build-dataset",
        "--generated",
        str(gen),
        "--audio",
        str(audio / "manifest.csv"),
        "--tags",
        str(work / "tags.csv"),
        "--out",
        str(work / "dataset"),
        "--dedup",
        "exact",
        "--split-shares",
        "0.6,0.2,0.2",
        "--seed",
        str(args.seed),
    )
    cli("train", "--dataset", str(work / "dataset"), "--out", str(work / "run"), "--seed", str(args.seed))
    table = cli(
        "evaluate",
        "--model",
        str(work / "run"),
        "--baseline",
        "musicnn",
        "--baseline",
        "dsp",
        "--baseline",
        "random",
        "--dataset",
        str(work / "dataset"),
        "--out",
        str(work / "report"),
        "--reference",
        "musicnn",
    )
    report = json.loads((work / "report" / "metrics.json").read_text("utf-8"))
    summary = json.loads((work / "run" / "summary.json").read_text("utf-8"))

    def level(result: dict, names: list[str]) -> float:
        per_tag = result["m2m_coarse"]["per_tag"]
        return round(float(np.mean([per_tag[n] for n in names if n in per_tag])), 3)

    figures = {
        name: {
            "coarse": round(r["m2m_coarse"]["map@100"], 3),
            "fine": round(r["m2m_fine"]["map@100"], 3),
            "genre": level(r, GENRES),
            "mood": level(r, list(MOOD_WORDS)),
        }
        for name, r in report["systems"].items()
    }
    return {
        "work": str(work),
        "table": table,
        "best_epoch": summary["best_epoch"],
        "epochs_run": summary["epochs_run"],
        "test_tracks": report["tracks"],
        "m2m": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artists", type=int, default=24)
    parser.add_argument("--songs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline", action="store_true", help="Train and evaluate the method on the world.")
    args = parser.parse_args()
    songs = make_world(args.artists, args.songs, args.seed)
    if args.pipeline:
        print(json.dumps(pipeline(args, songs), indent=2, ensure_ascii=False))
        return
    embedder = MusicnnEmbedder()
    vectors, render_s, embed_s = [], 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for song in songs:
            start = time.perf_counter()
            path = render(song, Path(tmp) / f"{song.id}.wav", seconds=args.seconds)
            render_s += time.perf_counter() - start
            wave, rate = sf.read(str(path), dtype="float32")
            start = time.perf_counter()
            vectors.append(embedder.embed_track(resample(wave, rate, 16000), song.id))
            embed_s += time.perf_counter() - start
    musicnn = normalise(np.stack(vectors))
    rng = np.random.default_rng(args.seed)
    random = normalise(rng.standard_normal(musicnn.shape).astype(np.float32))
    ids = [s.id for s in songs]
    levels = {
        "genre": [[s.genre] for s in songs],
        "sub-genre": [[s.subgenre] for s in songs],
        "mood": [[s.mood] for s in songs],
    }
    out = {
        "songs": len(songs),
        "artists": args.artists,
        "seconds": args.seconds,
        "render_clips_per_s": round(len(songs) / render_s, 1),
        "musicnn_clips_per_s": round(len(songs) / embed_s, 1),
    }
    for name, vecs in (("musicnn", musicnn), ("random", random)):
        out[name] = {level: round(m2m_map(vecs, ids, tags)["map@100"], 3) for level, tags in levels.items()}
        share = same_artist(vecs, ids, [s.artist.id for s in songs])
        out[name]["same_artist@10"] = round(share["same_artist_share@10"], 3)
        out[name]["chance@10"] = round(share["same_artist_chance@10"], 3)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
