"""The world's texts: encyclopedia pages in both layouts that the crawler's own parser reads, written
from the labels at set rates of vague and wrong reviews; the crawl's queries and aspect vocabulary."""

from __future__ import annotations

import random
from collections import Counter

from crossmusim.crawlers.inspect_page import page_report
from crossmusim.demo.world.artists import make_world
from crossmusim.demo.world.labels import GENRES, MOODS, SUBGENRES
from crossmusim.demo.world.pages import PageRates, world_site, world_terms
from crossmusim.demo.world.words import ZH, aspect_vocabulary
from crossmusim.demo.world.writing import Rates, said

SONGS = make_world(artists=24, songs_per_artist=10, seed=5)


def _parsed(entry):
    return page_report(entry.body.decode("utf-8"), "http://127.0.0.1:1" + entry.link)


def test_the_site_is_seeded_and_covers_the_set_share_of_songs():
    spec, kinds = world_site(SONGS, seed=5)
    again, kinds_again = world_site(SONGS, seed=5)
    assert [e.body for e in spec.entries] == [e.body for e in again.entries] and kinds == kinds_again
    assert world_site(SONGS, seed=6)[1] != kinds
    counts = Counter(kinds.values())
    with_page = len(SONGS) - counts["none"]
    assert abs(with_page / len(SONGS) - 0.7) < 0.08
    assert abs(counts["vague"] / with_page - 0.25) < 0.08 and abs(counts["wrong"] / with_page - 0.15) < 0.07
    sparse = world_site(SONGS, seed=5, rates=PageRates(coverage=0.2))[1]
    assert Counter(sparse.values())["none"] > 0.7 * len(SONGS)


def test_pages_of_both_layouts_parse_as_songs_and_artist_pages_do_not():
    spec, kinds = world_site(SONGS, seed=5)
    by_title = {(s.title, s.artist.name): s for s in SONGS}
    layouts, verdicts = Counter(), Counter()
    for entry in spec.entries:
        report = _parsed(entry)
        verdicts[report["verdict"]] += 1
        if report["verdict"] != "song":
            assert "人物" in report["reason"]
            continue
        record = report["record"]
        layouts[record["layout"]] += 1
        song = by_title[(record["title"], record["artists"][0])]
        assert record["album"] == song.album and record["release_date"].startswith(str(song.year))
        assert record["review"]
        review = record["review"] + record["background"]
        kind = kinds[song.id]
        mine = {ZH[song.genre], ZH[song.subgenre]}
        others = {ZH[s.name] for s in SUBGENRES if s.genre != song.genre}
        if kind == "true":
            assert ZH[song.subgenre] in review and record["genres"] == [ZH[song.genre]]
        elif kind == "wrong":
            assert any(w in review for w in others) and ZH[song.subgenre] not in review
        else:  # vague: praise, no genre or sub-genre named
            assert not any(w in review for w in mine | others)
    assert set(layouts) == {"basicinfo", "modules"} and min(layouts.values()) > 40  # older and newer layout
    assert verdicts["not_song"] == len({s.artist.id for s in SONGS})


def test_pages_are_found_by_the_terms_they_state():
    spec, kinds = world_site(SONGS, seed=5)
    terms = {line.split("\t")[1] for line in world_terms().splitlines() if "\t" in line}
    assert terms == {ZH[g] for g in GENRES} | {ZH[s.name] for s in SUBGENRES} | {ZH[m.name] for m in MOODS}
    for entry in spec.entries:
        person = entry.path.split("/")[-1].startswith("9")  # an artist's page is found by their name too
        assert entry.terms and set(entry.terms) - ({entry.title} if person else set()) <= terms


def test_wrong_facts_are_another_genre_and_mood_and_rates_hold():
    rng = random.Random(0)
    for song in SONGS[:50]:
        wrong = said(song, "wrong", rng)
        assert wrong.genre != song.genre and wrong.mood != song.mood
        assert next(s for s in SUBGENRES if s.name == wrong.subgenre).genre == wrong.genre
        assert said(song, "true", rng).subgenre == song.subgenre
    draws = Counter(Rates(vague=0.2, wrong=0.3).draw(rng) for _ in range(5000))
    assert abs(draws["vague"] / 5000 - 0.2) < 0.03 and abs(draws["wrong"] / 5000 - 0.3) < 0.03


def test_the_aspect_vocabulary_names_every_label_in_both_languages():
    from crossmusim.aspects.lexicon import LexiconExtractor
    from crossmusim.aspects.vocabulary import Vocabulary, add_tsv

    vocabulary = Vocabulary()
    add_tsv(vocabulary, aspect_vocabulary(), "world")
    extractor = LexiconExtractor(vocabulary)
    for sub in SUBGENRES:
        assert sub.name in extractor.extract(f"A {sub.name} track.")
        assert sub.name in extractor.extract(f"这是一首{ZH[sub.name]}歌曲。")
    assert "tense" in extractor.extract("It feels ominous and uneasy.")
    assert "electronic" not in extractor.extract("Piano over a drum machine and brushed drums.")
