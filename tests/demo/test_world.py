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
