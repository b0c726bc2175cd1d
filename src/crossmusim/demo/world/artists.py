"""Artists with a recognisable sound who work across genres, and their songs.

An artist's palette (lead, chords and bass General MIDI programs, a drum kit), reverb and chorus, a
master low-pass and drive, a tempo and key habit and a register are drawn independently of genre,
and each artist plays 2-3 genres: audio-only similarity is pulled toward the artist's timbre, as in
the paper's same-artist effect, and text about genre and mood has something real to correct.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from crossmusim.demo.world.labels import GENRES, MOODS, SUBGENRES, scenario_of

LEADS = {"piano": 0, "electric piano": 4, "vibraphone": 11, "organ": 16, "nylon guitar": 24,
         "clean guitar": 27, "overdriven guitar": 29, "trumpet": 56, "alto sax": 65, "flute": 73,
         "square lead": 80, "saw lead": 81}  # fmt: skip
CHORDS = {"piano": 0, "electric piano": 4, "organ": 16, "nylon guitar": 24, "clean guitar": 27, "strings": 48,
          "synth pad": 89, "warm pad": 89, "brass": 61}  # fmt: skip
BASSES = {"acoustic bass": 32, "finger bass": 33, "pick bass": 34, "fretless bass": 35, "synth bass": 38}
KITS = {"standard kit": 0, "room kit": 8, "power kit": 16, "electronic kit": 24, "jazz kit": 32}
KEYS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
SURNAMES_ZH = "林陈王李张刘杨黄赵吴周徐孙马朱胡郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN_ZH = "宇晨欣怡子涵梓轩雨桐浩然诗琪俊杰佳怡思远若曦一鸣嘉怡天佑晓雯明轩雅琴"
EN_FIRST = ["Nova", "Echo", "Milo", "Luna", "Ezra", "Iris", "Owen", "Nia", "Theo", "Ada", "Kai", "Zoe", "Leo", "Mae"]
EN_LAST = ["Rivers", "Vale", "Hart", "Stone", "Grey", "Wilde", "Lane", "Fox", "Reed", "Moss", "Cole", "Shaw"]
TITLE_ZH = [
    "夜空",
    "海风",
    "远方",
    "晴天",
    "旧梦",
    "城市",
    "微光",
    "归途",
    "雨季",
    "山谷",
    "花火",
    "长街",
    "星河",
    "回声",
]
TITLE_EN = ["Midnight", "Ocean", "Paper", "Neon", "Golden", "Silent", "Broken", "Electric", "Velvet", "Distant"]
ALBUM_ZH = ["", "之歌", "时光", "日记", "故事"]
ALBUM_EN = ["Sessions", "Tapes", "Stories", "Nights", "Days"]
TITLE_EN2 = ["Hearts", "Streets", "Dreams", "Lights", "Rain", "Roads", "Skies", "Echoes", "Waves", "Fire"]


@dataclass
class Artist:
    id: str
    name: str
    language: str  # zh | en
    lead: str
    chords: str
    bass: str
    kit: str
    reverb: float  # 0..1 room size
    chorus: float  # 0..1 depth
    lowpass_hz: float
    drive: float  # 0 clean .. 1 saturated
    tempo_habit: float  # multiplies every tempo drawn for this artist
    key_habit: int  # a favourite key, often used
    register: int  # semitones added to the melody
    genres: list[str] = field(default_factory=list)


@dataclass
class Song:
    id: str
    title: str
    artist: Artist
    genre: str
    subgenre: str
    mood: str
    scenario: str
    tempo: float
    key: str
    mode: str
    instruments: list[str]
    seed: int
    album: str = ""
    year: int = 0

    def labels(self) -> dict[str, object]:
        return {"coarse": [self.genre, self.mood, self.scenario], "fine": [self.subgenre], "tempo": round(self.tempo),
                "key": self.key, "mode": self.mode, "instruments": self.instruments}  # fmt: skip


def make_artist(index: int, rng: random.Random, taken: set[str] | None = None) -> Artist:
    language = "zh" if index % 2 == 0 else "en"
    taken = set() if taken is None else taken
    while True:  # names are how songs are paired with their texts: no two artists share one
        if language == "zh":
            name = rng.choice(SURNAMES_ZH) + "".join(rng.sample(GIVEN_ZH, 2))
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
        if name not in taken:
            taken.add(name)
            break
    return Artist(
        id=f"artist{index:03d}", name=name, language=language, lead=rng.choice(list(LEADS)),
        chords=rng.choice(list(CHORDS)), bass=rng.choice(list(BASSES)), kit=rng.choice(list(KITS)),
        reverb=rng.uniform(0.1, 0.9), chorus=rng.uniform(0.0, 0.8), lowpass_hz=rng.uniform(3500, 11000),
        drive=rng.uniform(0.0, 0.7), tempo_habit=rng.uniform(0.93, 1.07), key_habit=rng.randrange(12),
        register=rng.choice([-5, 0, 0, 4, 7]), genres=rng.sample(GENRES, rng.choice([2, 2, 3])),
    )  # fmt: skip


def make_song(artist: Artist, number: int, rng: random.Random, titles: set[str] | None = None) -> Song:
    genre = rng.choice(artist.genres)
    sub = rng.choice([s for s in SUBGENRES if s.genre == genre])
    mood = rng.choice(MOODS)
    tempo = rng.uniform(*sub.tempo) * mood.tempo_shift * artist.tempo_habit
    key = artist.key_habit if rng.random() < 0.5 else rng.randrange(12)
    titles = set() if titles is None else titles
    while True:  # one artist never has two songs of the same title
        if artist.language == "zh":
            title = "".join(rng.sample(TITLE_ZH, 2))
        else:
            title = f"{rng.choice(TITLE_EN)} {rng.choice(TITLE_EN2)}"
        if title not in titles:
            titles.add(title)
            break
    song = Song(
        id=f"{artist.id}-{number:02d}", title=title, artist=artist, genre=genre, subgenre=sub.name, mood=mood.name,
        scenario=scenario_of(mood.name, tempo), tempo=tempo, key=KEYS[key], mode=mood.mode,
        instruments=sorted({artist.lead, artist.chords, artist.bass, "drums"}), seed=rng.randrange(2**31),
    )  # fmt: skip
    # Album and year from the song's own seed: the draws above (and so the music) do not depend on them.
    extra = random.Random(song.seed)
    song.year = extra.randrange(2003, 2021)
    song.album = (
        f"{title[:2]}{extra.choice(ALBUM_ZH)}"
        if artist.language == "zh"
        else f"{title.split()[0]} {extra.choice(ALBUM_EN)}"
    )
    return song


def make_world(artists: int = 48, songs_per_artist: int = 10, seed: int = 0) -> list[Song]:
    """`artists` x `songs_per_artist` songs, the same for the same seed."""
    rng = random.Random(seed)
    names: set[str] = set()
    people = [make_artist(i, rng, names) for i in range(artists)]
    songs = []
    for person in people:
        titles: set[str] = set()
        songs += [make_song(person, n, rng, titles) for n in range(songs_per_artist)]
    return songs


def world_size(songs: int) -> tuple[int, int]:
    """(artists, songs per artist) for about `songs` songs: ten songs an artist, never fewer than ten
    artists (three artist-disjoint splits need two artists each at least)."""
    artists = max(10, songs // 10)
    return artists, max(1, round(songs / artists))
