"""The world's label space, as the paper evaluates it: coarse tags (genre, mood, scenario) and fine
tags (sub-genres within each genre), plus tempo, key, mode and instruments.

Sub-genres of one genre differ subtly (groove, swing, syncopation, harmony), and mood is carried by
mode, tempo, register and articulation, never by loudness (which made mood trivial for an
audio-only tagger in a prototype).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubGenre:
    name: str
    genre: str
    tempo: tuple[int, int]  # BPM range
    swing: float  # 0 straight .. 0.33 triplet feel, on off-beat eighths
    drums: str  # the drum pattern's name in compose.DRUM_PATTERNS
    bass: str  # root | walking | octave | sub808 | offbeat
    comping: str  # block | stabs | arpeggio | sustained | offbeat
    sevenths: bool  # chords with sevenths (jazz, house) or triads


SUBGENRES = [
    SubGenre("punk", "rock", (160, 190), 0.0, "rock_fast", "root", "block", False),
    SubGenre("blues rock", "rock", (90, 120), 0.3, "shuffle", "walking", "stabs", True),
    SubGenre("house", "electronic", (118, 128), 0.0, "four_on_floor", "offbeat", "offbeat", True),
    SubGenre("breakbeat", "electronic", (125, 140), 0.0, "breakbeat", "octave", "stabs", False),
    SubGenre("swing", "jazz", (120, 170), 0.33, "ride_swing", "walking", "stabs", True),
    SubGenre("bossa nova", "jazz", (110, 140), 0.0, "bossa", "root", "arpeggio", True),
    SubGenre("boom bap", "hip-hop", (84, 96), 0.2, "boom_bap", "root", "sustained", True),
    SubGenre("trap", "hip-hop", (130, 150), 0.0, "trap", "sub808", "sustained", False),
]
GENRES = sorted({s.genre for s in SUBGENRES})


@dataclass(frozen=True)
class Mood:
    name: str
    mode: str  # scale name in compose.SCALES
    tempo_shift: float  # multiplies the sub-genre's tempo draw
    register: int  # semitones added to the melody's register
    legato: float  # note length as a share of its slot (articulation)


MOODS = [
    Mood("happy", "major", 1.05, 5, 0.55),
    Mood("sad", "minor", 0.9, -3, 0.95),
    Mood("tense", "phrygian", 1.0, 0, 0.35),
    Mood("calm", "lydian", 0.85, 2, 0.9),
]
# The scenario a listener would pick a song for, from its mood and how fast it is.
SCENARIOS = {("happy", True): "party", ("happy", False): "road trip", ("sad", True): "late night",
             ("sad", False): "rainy day", ("tense", True): "workout", ("tense", False): "thriller scene",
             ("calm", True): "focus", ("calm", False): "sleep"}  # fmt: skip


def scenario_of(mood: str, tempo: float) -> str:
    return SCENARIOS[(mood, tempo >= 110)]
