"""Programmatic multi-track MIDI for one song: drums, bass, chords and melody, in the sub-genre's
groove (drum pattern, swing, bass line, comping, harmony), the mood's mode, tempo and register,
the artist's instruments, with humanised timing and velocity."""

from __future__ import annotations

import random

from crossmusim.demo.world.artists import BASSES, CHORDS, KEYS, KITS, LEADS, Song
from crossmusim.demo.world.labels import MOODS, SUBGENRES
from crossmusim.extras import require

SCALES = {
    "major": [0, 2, 4, 5, 7, 9, 11],
    "minor": [0, 2, 3, 5, 7, 8, 10],
    "phrygian": [0, 1, 3, 5, 7, 8, 10],
    "lydian": [0, 2, 4, 6, 7, 9, 11],
}
KICK, SNARE, RIM, CLAP, HAT, OPEN_HAT, RIDE = 36, 38, 37, 39, 42, 46, 51
# Sixteenth-note steps of one 4/4 bar per drum, for each pattern.
DRUM_PATTERNS = {
    "rock_fast": {KICK: [0, 8, 10], SNARE: [4, 12], HAT: list(range(0, 16, 2))},
    "shuffle": {KICK: [0, 8], SNARE: [4, 12], HAT: list(range(0, 16, 2))},
    "four_on_floor": {KICK: [0, 4, 8, 12], CLAP: [4, 12], OPEN_HAT: [2, 6, 10, 14], HAT: [1, 3, 5, 7, 9, 11, 13, 15]},
    "breakbeat": {KICK: [0, 7, 10], SNARE: [4, 12, 15], HAT: list(range(16))},
    "ride_swing": {RIDE: [0, 4, 6, 8, 12, 14], HAT: [4, 12], KICK: [0]},
    "bossa": {KICK: [0, 3, 8, 11], RIM: [0, 3, 6, 10, 12], HAT: list(range(0, 16, 2))},
    "boom_bap": {KICK: [0, 7, 10], SNARE: [4, 12], HAT: list(range(0, 16, 2))},
    "trap": {KICK: [0, 6, 11], SNARE: [8], HAT: list(range(16))},
}
PROGRESSIONS = [[0, 4, 5, 3], [0, 5, 3, 4], [1, 4, 0, 0], [0, 3, 4, 3], [5, 3, 0, 4]]


def _note(pm, instrument, pitch: int, start: float, end: float, velocity: int, rng: random.Random) -> None:
    jitter = rng.uniform(-0.01, 0.01)  # humanised timing, about 10 ms
    velocity = max(20, min(127, velocity + rng.randint(-12, 12)))
    start = max(0.0, start + jitter)
    instrument.notes.append(
        pm.Note(velocity=velocity, pitch=int(pitch), start=start, end=max(start + 0.03, end + jitter))
    )


def compose(song: Song, seconds: float = 12.0):
    """A `pretty_midi.PrettyMIDI` of about `seconds`, a whole number of bars."""
    pm = require("pretty_midi", "demo")
    rng = random.Random(song.seed)
    sub = next(s for s in SUBGENRES if s.name == song.subgenre)
    mood = next(m for m in MOODS if m.name == song.mood)
    scale, tonic = SCALES[song.mode], KEYS.index(song.key)
    beat = 60.0 / song.tempo
    step = beat / 4
    bars = max(2, round(seconds / (4 * beat)))
    midi = pm.PrettyMIDI(initial_tempo=song.tempo)
    drums = pm.Instrument(program=KITS[song.artist.kit], is_drum=True, name="drums")
    bass = pm.Instrument(program=BASSES[song.artist.bass], name="bass")
    chords = pm.Instrument(program=CHORDS[song.artist.chords], name="chords")
    lead = pm.Instrument(program=LEADS[song.artist.lead], name="lead")

    def at(bar: int, sixteenth: float) -> float:
        swung = sixteenth + (sub.swing * 2 if int(sixteenth) % 4 == 2 else 0)  # delay off-beat eighths
        return (bar * 16 + swung) * step

    def pitch(degree: int, octave: int) -> int:
        return 12 * octave + tonic + scale[degree % 7] + 12 * (degree // 7)

    progression = rng.choice(PROGRESSIONS)
    for bar in range(bars):
        root = progression[bar % len(progression)]
        chord = [root, root + 2, root + 4] + ([root + 6] if sub.sevenths else [])
        for drum, steps in DRUM_PATTERNS[sub.drums].items():
            for s in steps:
                if drum in (HAT, RIDE) and rng.random() < 0.08:
                    continue  # a dropped hit now and then
                _note(pm, drums, drum, at(bar, s), at(bar, s) + step, 100 if drum in (KICK, SNARE, CLAP) else 75, rng)
        if sub.drums == "trap" and bar % 2 == 1:  # hi-hat roll at the end of every other bar
            for r in range(6):
                start = (bar * 16 + 13) * step + r * step / 2
                _note(pm, drums, HAT, start, start + step / 2, 70, rng)
        # Bass.
        if sub.bass == "walking":
            for b in range(4):
                degree = root + [0, 2, 4, 5][b] if b < 3 else root + rng.choice([1, 6, 3])
                _note(pm, bass, pitch(degree, 3), at(bar, 4 * b), at(bar, 4 * b) + beat * 0.9, 90, rng)
        elif sub.bass == "octave":
            for e in range(8):
                _note(
                    pm,
                    bass,
                    pitch(root, 3) + (12 if e % 2 else 0),
                    at(bar, 2 * e),
                    at(bar, 2 * e) + step * 1.6,
                    92,
                    rng,
                )
        elif sub.bass == "offbeat":
            for b in range(4):
                _note(pm, bass, pitch(root, 3), at(bar, 4 * b + 2), at(bar, 4 * b + 2) + step * 1.5, 95, rng)
        elif sub.bass == "sub808":
            _note(pm, bass, pitch(root, 2), at(bar, 0), at(bar, 10), 110, rng)
            _note(pm, bass, pitch(root, 2), at(bar, 11), at(bar, 16), 100, rng)
        else:  # root on beats one and three
            for b in (0, 2):
                _note(pm, bass, pitch(root, 3), at(bar, 4 * b), at(bar, 4 * b) + beat * 1.8, 92, rng)
        # Chords.
        voicing = [pitch(d, 4) for d in chord]
        if sub.comping == "block":
            hits = [(4 * b, beat * 0.8) for b in range(4)]
        elif sub.comping == "stabs":
            hits = [(6, step * 1.2), (14, step * 1.2)]
        elif sub.comping == "offbeat":
            hits = [(4 * b + 2, step * 1.5) for b in range(4)]
        elif sub.comping == "arpeggio":
            for e in range(8):
                note = voicing[e % len(voicing)]
                _note(pm, chords, note, at(bar, 2 * e), at(bar, 2 * e) + step * 1.8, 70, rng)
            hits = []
        else:  # sustained
            hits = [(0, 16 * step * 0.98)]
        for start, length in hits:
            for note in voicing:
                _note(pm, chords, note, at(bar, start), at(bar, start) + length, 72, rng)
        # Melody: a walk on the scale, denser in faster grooves, its articulation from the mood.
        # The mood's and the artist's register, in scale steps so that the melody stays in key.
        lift = round((mood.register + song.artist.register) * 7 / 12)
        degree = rng.choice(chord)
        slots = [s for s in range(0, 16, 2) if rng.random() < (0.55 if song.tempo < 120 else 0.4)]
        for s in slots:
            degree += rng.choice([-2, -1, -1, 0, 1, 1, 2])
            degree = max(-3, min(10, degree))
            length = 2 * step * mood.legato
            _note(pm, lead, pitch(degree + lift, 5), at(bar, s), at(bar, s) + length, 85, rng)
    midi.instruments.extend([drums, bass, chords, lead])
    return midi
