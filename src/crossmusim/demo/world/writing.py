"""What people write about the world's songs: encyclopedia sections (Chinese) and the LLM stand-in's
answers (English or Chinese), written from the labels with varied phrasing, and at set rates vague
(praise with no genre or mood in it) or wrong (another genre, sub-genre and mood, said as confidently
as the truth), like real reviews. Texts often name the artist and the title, so masking has work.

Every choice is drawn from a generator seeded by the world's seed, the song and the purpose: the same
world writes the same texts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from crossmusim.demo.world.artists import Song
from crossmusim.demo.world.labels import MOODS, SUBGENRES, scenario_of
from crossmusim.demo.world.words import KIT_EN, MOOD_EN, MOOD_ZH, ZH, tempo_word

KINDS = ("true", "vague", "wrong")


@dataclass(frozen=True)
class Rates:
    """Shares of vague and wrong texts (the rest are true); `abstain` only for the LLM stand-in."""

    vague: float = 0.2
    wrong: float = 0.15
    abstain: float = 0.0

    def draw(self, rng: random.Random) -> str:
        roll = rng.random()
        return "vague" if roll < self.vague else "wrong" if roll < self.vague + self.wrong else "true"


@dataclass(frozen=True)
class Said:
    """The facts a text states about a song: the song's own, or another genre's and mood's."""

    genre: str
    subgenre: str
    mood: str
    scenario: str
    tempo: float


def said(song: Song, kind: str, rng: random.Random) -> Said:
    truth = Said(song.genre, song.subgenre, song.mood, song.scenario, song.tempo)
    if kind != "wrong":
        return truth
    sub = rng.choice([s for s in SUBGENRES if s.genre != song.genre])
    mood = rng.choice([m.name for m in MOODS if m.name != song.mood])
    tempo = rng.uniform(*sub.tempo)
    return replace(truth, genre=sub.genre, subgenre=sub.name, mood=mood, tempo=tempo, scenario=scenario_of(mood, tempo))


def text_rng(seed: int, song: Song, purpose: str) -> random.Random:
    return random.Random(f"{seed}:{song.id}:{purpose}")


# -- Chinese encyclopedia sections ----------------------------------------------------------------
def review_zh(song: Song, facts: Said, kind: str, rng: random.Random) -> str:
    """歌曲鉴赏: two to four sentences, or praise with nothing musical in it when vague."""
    artist, title = song.artist, song.title
    if kind == "vague":
        return rng.choice([
            f"《{title}》旋律优美，编曲用心，是一首值得反复聆听的作品。",
            f"《{title}》发行后受到不少乐迷喜爱，被认为是{artist.name}的代表作之一，情感真挚，制作精良。",
            f"这首歌展现了{artist.name}的音乐才华，听众评价它“耐听”“有味道”。",
        ])  # fmt: skip
    mood = rng.choice(MOOD_ZH[facts.mood])
    sentences = [
        rng.choice([
            f"这是一首{mood}的{ZH[facts.subgenre]}作品，{ZH[facts.genre]}味道十足。",
            f"《{title}》是{artist.name}的一首{ZH[facts.subgenre]}歌曲，整体气氛{mood}。",
            f"歌曲属于{ZH[facts.genre]}中的{ZH[facts.subgenre]}风格，情绪{mood}。",
        ]),
        rng.choice([
            f"歌曲节奏{tempo_word(facts.tempo, 'zh')}，约每分钟{round(facts.tempo)}拍，由{ZH[artist.lead]}担任主旋律。",
            f"{ZH[artist.lead]}奏出主旋律，{ZH[artist.chords]}与{ZH[artist.bass]}在下方铺垫，"
            f"节奏{tempo_word(facts.tempo, 'zh')}。",
        ]),
        f"听来{rng.choice(MOOD_ZH[facts.mood])}，很适合{ZH[facts.scenario]}时聆听。",
        f"乐评人认为它是{artist.name}最{mood}的{ZH[facts.genre]}歌曲之一。",
    ]  # fmt: skip
    keep = rng.randint(2, 4)
    return "".join(sentences[:keep])


def background_zh(song: Song, facts: Said, kind: str, rng: random.Random) -> str:
    """创作背景: when and why the artist wrote it; vague backgrounds say nothing about the music."""
    artist, title = song.artist, song.title
    if kind == "vague":
        return f"{song.year}年，{artist.name}在录音室完成了《{title}》的录制，并将其收录在专辑《{song.album}》中。"
    return rng.choice([
        f"{song.year}年，{artist.name}开始创作《{title}》，希望写一首适合{ZH[facts.scenario]}的{ZH[facts.genre]}歌曲。",
        f"《{title}》的灵感来自{artist.name}的一段旅行经历，编曲时特意选用了{ZH[artist.lead]}，"
        f"想让整首歌带一点{rng.choice(MOOD_ZH[facts.mood])}的味道。",
        f"{artist.name}说，《{title}》是写给{ZH[facts.scenario]}时的自己的，所以用了{ZH[facts.subgenre]}的节奏。",
    ])  # fmt: skip


# -- the LLM stand-in's answers -------------------------------------------------------------------
FIELDS = ("genre", "melody", "instrumentation", "tempo", "vocals", "mood", "themes", "lyrics")


def answer_fields(song: Song, facts: Said, kind: str, rng: random.Random, lang: str = "en") -> dict[str, str]:
    """The describe reply's fields (genre ... lyrics) as a model that half-knows the song fills them."""
    artist = song.artist
    if lang == "zh":
        if kind == "vague":
            return dict(genre="流行", melody="旋律优美动听", instrumentation="完整的乐队编制", tempo="中速",
                        vocals="器乐为主", mood="温暖", themes="生活与回忆", lyrics="没有歌词的器乐曲")  # fmt: skip
        return dict(genre=f"{ZH[facts.subgenre]}（{ZH[facts.genre]}）", melody=f"{ZH[artist.lead]}奏出的主旋律",
                    instrumentation=f"{ZH[artist.lead]}、{ZH[artist.chords]}、{ZH[artist.bass]}和{ZH[artist.kit]}",
                    tempo=f"{tempo_word(facts.tempo, 'zh')}，约每分钟{round(facts.tempo)}拍", vocals="器乐曲，没有人声",
                    mood=rng.choice(MOOD_ZH[facts.mood]), themes=f"适合{ZH[facts.scenario]}",
                    lyrics="没有歌词的器乐曲")  # fmt: skip
    if kind == "vague":
        return dict(genre="pop", melody="a catchy, memorable melody", instrumentation="a full band arrangement",
                    tempo="moderate", vocals="mostly instrumental", mood="pleasant", themes="everyday life",
                    lyrics="none to speak of")  # fmt: skip
    return dict(genre=f"{facts.subgenre} ({facts.genre})", melody=f"a {artist.lead} line in {song.key} {song.mode}",
                instrumentation=f"{artist.lead}, {artist.chords}, {artist.bass} and {KIT_EN[artist.kit]}",
                tempo=f"{tempo_word(facts.tempo)}, around {round(facts.tempo)} bpm",
                vocals=f"instrumental; the {artist.lead} carries the tune", mood=rng.choice(MOOD_EN[facts.mood]),
                themes=f"music for {facts.scenario}", lyrics="none: it is an instrumental")  # fmt: skip


def answer_description(song: Song, facts: Said, kind: str, rng: random.Random, lang: str = "en") -> str:
    if lang == "zh":
        return review_zh(song, facts, kind, rng)
    artist, title = song.artist.name, song.title
    if kind == "vague":
        return rng.choice([
            f'"{title}" by {artist} is a pleasant, well-produced song with a catchy melody and a polished '
            "arrangement that many listeners return to.",
            f"{artist}'s \"{title}\" has a warm, familiar sound and is one of the better-known tracks in their "
            "catalogue.",
        ])  # fmt: skip
    lead, mood = song.artist.lead, rng.choice(MOOD_EN[facts.mood])
    sentences = [
        rng.choice([
            f'{artist}\'s "{title}" is a {mood} {facts.subgenre} track with a {facts.genre} backbone.',
            f'"{title}" is a {mood} piece of {facts.subgenre} from {artist}.',
            f"A {mood} {facts.subgenre} instrumental, squarely in {facts.genre}.",
        ]),
        rng.choice([
            f"The {lead} leads over {song.artist.chords} and {song.artist.bass}, {tempo_word(facts.tempo)} at about "
            f"{round(facts.tempo)} BPM.",
            f"It moves at a {tempo_word(facts.tempo)} pace, about {round(facts.tempo)} BPM, with the {lead} out front.",
        ]),
        f"It feels {rng.choice(MOOD_EN[facts.mood])}, a natural pick for {facts.scenario}.",
        f"Written in {song.key} {song.mode}, it keeps {artist}'s usual sound of {KIT_EN[song.artist.kit]}.",
    ]  # fmt: skip
    return " ".join(sentences[: rng.randint(2, 4)])
