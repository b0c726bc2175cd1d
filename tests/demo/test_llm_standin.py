"""The world's LLM stand-in, answering the real `crossmusim generate` over HTTP: describes the world's
songs from their labels, abstains, goes vague and states wrong facts at the set rates, and the fact
check and abstention handling see exactly what it did."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from crossmusim.cli.app import main
from crossmusim.demo.llm_standin import MODEL, StandInRates, WorldLLM
from crossmusim.demo.world.artists import make_world

SONGS = make_world(artists=12, songs_per_artist=5, seed=2)


@pytest.fixture
def catalogue(tmp_path):
    path = tmp_path / "catalogue.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "artist", "album", "year"])
        writer.writerows([s.id, s.title, s.artist.name, s.album, s.year] for s in SONGS)
    return path


def _generate(server: WorldLLM, catalogue, out, lang: str = "en") -> list[dict]:
    main(["generate", "--llm", MODEL, "--provider", "openai-compatible", "--base-url", server.base_url, "--songs",
          str(catalogue), "--out", str(out), "--lang", lang, "--retry-backoff", "0.05"])  # fmt: skip
    return [json.loads(line) for line in (out / "descriptions.jsonl").read_text("utf-8").splitlines()]


def test_generate_gets_label_true_vague_wrong_and_no_answers(tmp_path, catalogue):
    rates = StandInRates(abstain=0.2, vague=0.2, wrong=0.3, wrong_year=1.0)
    with WorldLLM(SONGS, seed=2, rates=rates) as server:
        records = _generate(server, catalogue, tmp_path / "gen")
        kinds = dict(server.kinds)
    by_id = {s.id: s for s in SONGS}
    assert len(records) == len(SONGS) and set(kinds) == set(by_id)
    counts = Counter(kinds.values())
    assert all(counts[k] > 0 for k in ("true", "vague", "wrong", "abstain"))
    for record in records:
        song, kind = by_id[record["song_id"]], kinds[record["song_id"]]
        if kind == "abstain":
            assert record["status"] == "abstained"
            continue
        assert record["status"] == "described"
        text = record["description"]
        if kind == "true":
            assert song.subgenre in text and record["fact_check"] == "agree"
        elif kind == "wrong":  # another genre, and (wrong_year=1) a release year the fact check catches
            assert song.subgenre not in text and record["fact_check"] == "contradict"
        else:
            assert song.subgenre not in text and song.genre not in text


def test_answers_follow_the_prompt_language_and_unknown_songs_get_an_abstention(tmp_path, catalogue):
    with WorldLLM(SONGS, seed=2, rates=StandInRates(abstain=0.0, vague=0.0, wrong=0.0)) as server:
        records = _generate(server, catalogue, tmp_path / "zh", lang="zh")
        assert all(r["status"] == "described" for r in records)
        assert all(sum("\u4e00" <= c <= "\u9fff" for c in r["description"]) > 12 for r in records)
        assert server.describe("No Such Song", "Nobody")["known"] is False


def test_the_same_seed_answers_the_same():
    answers = []
    for seed in (2, 2, 3):
        with WorldLLM(SONGS, seed=seed) as server:
            answers.append([server.describe(x.title, x.artist.name) for x in SONGS])
            aspects = server.aspects("A calm bossa nova piece on nylon guitar, a natural pick for sleep.")
    assert answers[0] == answers[1] and answers[0] != answers[2]
    assert set(aspects) == {"calm", "bossa nova", "nylon guitar", "sleep"}
