"""The world on disk, cached by seed and size: rendered clips with an audio manifest, the catalogue a
platform would hold (title, artist, album, year), the evaluation tags, the crawl's queries and the
aspect vocabulary. Clips already rendered are kept; each clip is written whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from crossmusim.demo.world.artists import Song, make_world, world_size
from crossmusim.demo.world.pages import world_terms
from crossmusim.demo.world.render import find_tools, render
from crossmusim.demo.world.words import aspect_vocabulary
from crossmusim.io import atomic_write_text


@dataclass
class WorldFiles:
    root: Path
    songs: list[Song]
    rendered: int  # clips rendered by this call (the rest were cached)

    @property
    def manifest(self) -> Path:
        return self.root / "audio" / "manifest.csv"

    @property
    def catalogue(self) -> Path:
        return self.root / "catalogue.csv"

    @property
    def tags(self) -> Path:
        return self.root / "tags.csv"

    @property
    def terms(self) -> Path:
        return self.root / "terms.tsv"

    @property
    def vocabulary(self) -> Path:
        return self.root / "vocabulary.tsv"

    @property
    def labels(self) -> Path:
        return self.root / "world.json"


def world_dir(out: Path, songs: int, seed: int, seconds: float) -> Path:
    artists, per_artist = world_size(songs)
    return out / "world" / f"seed{seed}-{artists}x{per_artist}-{seconds:g}s"


def _csv(rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def build_world(
    out: Path, songs: int, seed: int, *, seconds: float = 10.0, workers: int = 2, soundfont: Path | None = None
) -> WorldFiles:
    """Make (or reuse) the world of about `songs` songs under `out/world/`."""
    find_tools(soundfont)  # say how to install FluidSynth before anything else
    world = make_world(*world_size(songs), seed=seed)
    files = WorldFiles(world_dir(out, songs, seed, seconds), world, 0)
    audio = files.root / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    missing = [s for s in world if not (audio / f"{s.id}.wav").is_file()]

    def one(song: Song) -> None:
        partial = audio / f".{song.id}.partial.wav"
        render(song, partial, seconds=seconds, soundfont=soundfont)
        os.replace(partial, audio / f"{song.id}.wav")

    with ThreadPoolExecutor(max(1, workers)) as pool:  # FluidSynth runs as a process: threads suffice
        list(pool.map(one, missing))
    files.rendered = len(missing)
    atomic_write_text(files.manifest, _csv([{"path": f"{s.id}.wav", "title": s.title, "artist": s.artist.name,
                                              "id": s.id} for s in world]))  # fmt: skip
    atomic_write_text(files.catalogue, _csv([{"id": s.id, "title": s.title, "artist": s.artist.name,
                                               "album": s.album, "year": s.year} for s in world]))  # fmt: skip
    # Songs named by id and by title and artist: texts from the crawl carry the page's id, not ours.
    tags = [{"song_id": s.id, "title": s.title, "artist": s.artist.name, "level": level, "tag": tag}
            for s in world for level, values in (("coarse", (s.genre, s.mood, s.scenario)), ("fine", (s.subgenre,)))
            for tag in values]  # fmt: skip
    atomic_write_text(files.tags, _csv(tags))
    atomic_write_text(files.terms, world_terms())
    atomic_write_text(files.vocabulary, aspect_vocabulary())
    labels = {s.id: {"title": s.title, "artist": s.artist.name, "artist_id": s.artist.id, **s.labels()} for s in world}
    atomic_write_text(files.labels, json.dumps(labels, ensure_ascii=False, indent=1) + "\n")
    return files
