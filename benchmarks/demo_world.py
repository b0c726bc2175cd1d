"""How hard is the demo world for audio alone? Render a world (FluidSynth), embed every song with
the pretrained musicnn-MSD tower as it is, and report music-to-music mAP@100 for genre, sub-genre and
mood against random vectors, with the same-artist share of the top 10 beside its chance level. A
world that raw musicnn already solves leaves nothing for text to teach (issue 12). Also: render and
embedding speed.

    python benchmarks/demo_world.py [--artists 24] [--songs 5] [--seconds 10] [--seed 0]

The method on the world, through every command, is `crossmusim demo` (`benchmarks/demo.py`).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from crossmusim.demo.world.artists import make_world
from crossmusim.demo.world.render import render
from crossmusim.evaluation.baselines import MusicnnEmbedder
from crossmusim.evaluation.embeddings_io import normalise
from crossmusim.evaluation.metrics import m2m_map, same_artist
from crossmusim.model.audio.frontend import resample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artists", type=int, default=24)
    parser.add_argument("--songs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    songs = make_world(args.artists, args.songs, args.seed)
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
