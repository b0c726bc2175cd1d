"""The demo world's LLM stand-in: an OpenAI-compatible server that answers crossmusim's describe
prompt for the world's songs from their labels, as a model that half-knows them would.

At set rates it abstains (`known: false`), answers vaguely (praise with no genre or mood in it) or
states wrong facts (another genre and mood; for half of those also a wrong release year, which the
fact check can catch). It is a stand-in: the world's songs are synthetic and no real model knows
them. Real songs need a real model (`crossmusim generate --llm ...`). Aspect requests are answered by
the offline lexicon with the world's vocabulary.

    python -m crossmusim.demo.llm_standin --songs 480 --seed 0 --port 8000
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from crossmusim.chinese import CJK as _CJK
from crossmusim.curation.songkey import song_key
from crossmusim.demo.chat_server import ChatServer, Reply, completion, request_parts
from crossmusim.demo.world.artists import Song, make_world, world_size
from crossmusim.demo.world.writing import FIELDS, Rates, answer_description, answer_fields, said, text_rng

MODEL = "world-standin"


@dataclass(frozen=True)
class StandInRates(Rates):
    vague: float = 0.15
    wrong: float = 0.15
    abstain: float = 0.1
    wrong_year: float = 0.5  # share of wrong answers that also give a wrong release year


class WorldLLM(ChatServer):
    name = "world-llm"

    def __init__(
        self, songs: list[Song], *, seed: int = 0, rates: StandInRates | None = None, model: str = MODEL,
        api_key: str | None = None, host: str = "127.0.0.1", port: int = 0,
    ) -> None:  # fmt: skip
        super().__init__(model=model, api_key=api_key, host=host, port=port)
        self.seed = seed
        self.rates = rates or StandInRates()
        self.songs = {song_key(s.title, s.artist.name): s for s in songs}
        self.kinds: dict[str, str] = {}  # song id -> the kind of answer it got: true, vague, wrong, abstain
        self._extractor = None

    def chat(self, body: dict[str, Any], authorization: str | None) -> Reply:
        refused = self.refused(authorization)
        if refused is not None:
            return refused
        system, data, _ = request_parts(body)
        lang = "zh" if _CJK.search(system) else "en"
        with self.lock:
            self.requests += 1
            self.by_subject[str(data.get("title") or data.get("text") or "")[:80]] += 1
        if "[task: extract-aspects" in system:
            reply: dict[str, Any] = {"aspects": self.aspects(str(data.get("text", "")))}
        else:
            reply = self.describe(str(data.get("title", "")), str(data.get("artist", "")), lang)
        return Reply(200, completion(json.dumps(reply, ensure_ascii=False), body, self.model), {})

    def describe(self, title: str, artist: str, lang: str = "en") -> dict[str, Any]:
        """The describe reply (the v2 schema) for a song of the world; unknown songs get an abstention."""
        abstain = {"known": False, "artist": "", "release_year": None, "album": "", **dict.fromkeys(FIELDS, ""),
                   "description": ""}  # fmt: skip
        song = self.songs.get(song_key(title, artist))
        if song is None:
            return abstain
        rng = text_rng(self.seed, song, "llm")
        if rng.random() < self.rates.abstain:
            self.kinds[song.id] = "abstain"
            return abstain
        kind = self.rates.draw(rng)
        self.kinds[song.id] = kind
        facts = said(song, kind, rng)
        year: int | None = song.year
        if kind == "vague":
            year = None
        elif kind == "wrong" and rng.random() < self.rates.wrong_year:
            year = song.year - rng.randint(4, 12)
        return {
            "known": True,
            "artist": song.artist.name,
            "release_year": year,
            "album": song.album if kind == "true" else "",
            **answer_fields(song, facts, kind, rng, lang),
            "description": answer_description(song, facts, kind, rng, lang),
        }

    def aspects(self, text: str) -> list[str]:
        if self._extractor is None:
            from crossmusim.aspects.lexicon import LexiconExtractor
            from crossmusim.aspects.vocabulary import add_tsv, builtin_vocabulary
            from crossmusim.demo.world.words import aspect_vocabulary

            vocabulary = builtin_vocabulary()
            add_tsv(vocabulary, aspect_vocabulary(), "the demo world")
            self._extractor = LexiconExtractor(vocabulary)
        return self._extractor.extract(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the demo world's LLM stand-in (OpenAI-compatible).")
    parser.add_argument("--songs", type=int, default=480, help="The world's size, as given to crossmusim demo.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    server = WorldLLM(
        make_world(*world_size(args.songs), seed=args.seed), seed=args.seed, host=args.host, port=args.port
    )
    print(f"the demo world's LLM stand-in at {server.base_url} (model {MODEL})", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
