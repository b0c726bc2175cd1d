"""A small built dataset for training tests, made by crossmusim's own build-dataset from generated
audio: four kinds of sound (a low drone, a high melody, noise-burst drums, a bright chord), each
described in words that say so, by 12 artists (three songs each)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.conftest import run_cli

RATE = 16000
KINDS = {
    "drone": ("a deep low bass drone", "slow and dark", "rumbling sub bass", "an ambient meditation piece"),
    "melody": ("a high bright melody", "a whistling lead line", "a light flute-like tune", "cheerful and airy"),
    "drums": ("noisy percussion bursts", "a fast drum groove", "hard hitting beats", "energetic rhythm track"),
    "chord": ("a shimmering major chord", "warm organ harmony", "sustained synth pads", "a calm harmonic texture"),
}


def render(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    if kind == "drone":
        f = rng.uniform(50, 90)
        wave = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t)
    elif kind == "melody":
        notes = rng.uniform(900, 1800, size=int(seconds * 4) + 1)
        wave = np.sin(2 * np.pi * np.repeat(notes, RATE // 4)[: len(t)] * t)
    elif kind == "drums":
        env = np.exp(-((t * 4) % 1.0) * 12)
        wave = rng.standard_normal(len(t)) * env
    else:
        f = rng.uniform(220, 330)
        wave = sum(np.sin(2 * np.pi * f * r * t) for r in (1, 1.25, 1.5))
    return (0.25 * wave / np.abs(wave).max()).astype(np.float32)


def description(kind: str, rng: np.random.Generator, n: int) -> str:
    phrases = list(KINDS[kind])
    rng.shuffle(phrases)
    extra = ["recorded in a small studio", "with a steady tempo", "an instrumental track", "for late nights"][n % 4]
    return f"{phrases[0].capitalize()} with {phrases[1]}. It sounds like {phrases[2]}, {extra}. Overall {phrases[3]}."


def make_inputs(root: Path, seconds: float = 4.0, artists: int = 12, songs_per_artist: int = 3) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    audio, gen = root / "audio", root / "gen"
    audio.mkdir(parents=True)
    gen.mkdir()
    manifest, records, tags = [], [], ["song_id,level,tag"]
    kinds = list(KINDS)
    for a in range(artists):
        for s in range(songs_per_artist):
            n = a * songs_per_artist + s
            kind = kinds[(a + s) % len(kinds)]
            song_id, title, artist = f"song{n:03d}", f"Track {n}", f"Artist {a}"
            sf.write(audio / f"{song_id}.wav", render(kind, seconds, rng), RATE)
            manifest.append({"path": f"{song_id}.wav", "title": title, "artist": artist, "id": song_id})
            records.append(
                {
                    "song_id": song_id,
                    "title": title,
                    "artist": artist,
                    "status": "described",
                    "model": "qwen2-7b",
                    "description": description(kind, rng, n),
                }
            )
            tags.append(f"{song_id},coarse,{kind}")
    with (audio / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "title", "artist", "id"])
        writer.writeheader()
        writer.writerows(manifest)
    (gen / "descriptions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (root / "tags.csv").write_text("\n".join(tags) + "\n", encoding="utf-8")
    return {"audio": audio / "manifest.csv", "generated": gen, "tags": root / "tags.csv"}


def build_small_dataset(root: Path, *extra: str, **kwargs) -> Path:
    inputs = make_inputs(root / "inputs", **kwargs)
    out = root / "dataset"
    proc = run_cli(
        "build-dataset",
        "--generated",
        str(inputs["generated"]),
        "--audio",
        str(inputs["audio"]),
        "--tags",
        str(inputs["tags"]),
        "--out",
        str(out),
        "--split-shares",
        "0.5,0.25,0.25",
        "--dedup",
        "exact",
        *extra,
    )
    assert proc.returncode == 0, proc.stderr
    return out
