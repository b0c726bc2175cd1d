"""The demo's labelled music world: seeded labels, MIDI that follows them, FluidSynth rendering."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest

from crossmusim.demo.world.artists import make_world
from crossmusim.demo.world.labels import GENRES, SUBGENRES

pretty_midi = pytest.importorskip("pretty_midi")


def test_the_world_is_seeded_and_labelled_as_the_paper_evaluates():
    songs = make_world(artists=12, songs_per_artist=5, seed=3)
    again = make_world(artists=12, songs_per_artist=5, seed=3)
    assert [s.labels() for s in songs] == [s.labels() for s in again]
    assert [s.labels() for s in songs] != [s.labels() for s in make_world(artists=12, songs_per_artist=5, seed=4)]
    assert len(songs) == 60 and len({s.id for s in songs}) == 60
    for song in songs:
        labels = song.labels()
        assert labels["coarse"][0] in GENRES and len(labels["coarse"]) == 3  # genre, mood, scenario
        assert next(x for x in SUBGENRES if x.name == labels["fine"][0]).genre == song.genre
    artists = {s.artist.id: s.artist for s in songs}
    assert all(2 <= len(a.genres) <= 3 for a in artists.values())
    assert {a.language for a in artists.values()} == {"zh", "en"}
    # An artist's songs share its instruments whatever their genre: the same-artist pull exists.
    by_artist = Counter((s.artist.id, tuple(s.instruments)) for s in songs)
    assert len(by_artist) == len(artists)


def test_the_midi_follows_the_labels():
    from crossmusim.demo.world.artists import KEYS
    from crossmusim.demo.world.compose import DRUM_PATTERNS, SCALES, compose

    for song in make_world(artists=8, songs_per_artist=3, seed=1):
        midi = compose(song, seconds=10)
        names = [i.name for i in midi.instruments]
        assert names == ["drums", "bass", "chords", "lead"] and midi.instruments[0].is_drum
        assert abs(midi.get_end_time() - 10) < 4.0
        assert abs(midi.get_tempo_changes()[1][0] - song.tempo) < 1e-6
        allowed = {(KEYS.index(song.key) + step) % 12 for step in SCALES[song.mode]}
        melodic = [n.pitch % 12 for i in midi.instruments[1:] for n in i.notes]
        assert melodic and set(melodic) <= allowed  # every pitched note in the song's key and mode
        sub = next(x for x in SUBGENRES if x.name == song.subgenre)
        used = {n.pitch for n in midi.instruments[0].notes}
        assert used <= set(DRUM_PATTERNS[sub.drums])


def test_rendered_audio_is_the_right_length_level_and_deterministic(tmp_path):
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed (apt-get install fluidsynth fluid-soundfont-gm)")
    import soundfile as sf

    from crossmusim.demo.world.render import TARGET_RMS, render

    song = make_world(artists=2, songs_per_artist=1, seed=0)[0]
    first = render(song, tmp_path / "a.wav", seconds=6)
    second = render(song, tmp_path / "b.wav", seconds=6)
    a, rate = sf.read(first)
    b, _ = sf.read(second)
    assert rate == 22050 and abs(len(a) / rate - 6) < 0.05
    assert np.sqrt(np.mean(a**2)) == pytest.approx(TARGET_RMS, rel=0.05)  # level carries no label
    assert np.allclose(a, b, atol=1e-4)


def test_the_midi_is_the_same_for_the_same_seed():
    from crossmusim.demo.world.compose import compose

    def notes(seed: int) -> list[tuple]:
        song = make_world(artists=3, songs_per_artist=2, seed=seed)[4]
        return [(i.name, n.pitch, round(n.start, 6), round(n.end, 6), n.velocity)
                for i in compose(song, seconds=8).instruments for n in i.notes]  # fmt: skip

    assert notes(7) == notes(7) and notes(7) != notes(8)


def test_the_world_on_disk_is_cached_and_complete(tmp_path):
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed (apt-get install fluidsynth fluid-soundfont-gm)")
    import csv
    import json

    from crossmusim.demo.world.build import build_world

    world = build_world(tmp_path, songs=10, seed=1, seconds=3)
    assert world.rendered == 10 and len(list((world.root / "audio").glob("*.wav"))) == 10
    with world.manifest.open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    assert [r["id"] for r in manifest] == [s.id for s in world.songs]
    with world.tags.open(encoding="utf-8") as handle:
        tags = list(csv.DictReader(handle))
    assert len(tags) == 4 * 10 and all(r["title"] and r["artist"] for r in tags)  # genre, mood, scenario, sub-genre
    labels = json.loads(world.labels.read_text("utf-8"))
    assert labels[world.songs[0].id]["fine"] == [world.songs[0].subgenre]
    assert "朋克" in world.vocabulary.read_text("utf-8") and "摇滚" in world.terms.read_text("utf-8")
    (world.root / "audio" / f"{world.songs[0].id}.wav").unlink()  # a clip lost (or never finished)
    again = build_world(tmp_path, songs=10, seed=1, seconds=3)
    assert again.root == world.root and again.rendered == 1
