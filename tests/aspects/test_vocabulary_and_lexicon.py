import pytest

from crossmusim.aspects.base import normalise_aspects
from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.vocabulary import (
    Vocabulary,
    add_muchin_v2,
    add_musiccaps,
    add_tsv,
    builtin_vocabulary,
    en_key,
    is_category_label,
    load_vocabulary,
    stem,
)
from crossmusim.errors import InputFormatError, UserError


@pytest.fixture(scope="module")
def lexicon():
    return LexiconExtractor(builtin_vocabulary())


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("drums", "drum"),
        ("vocals", "vocal"),
        ("strings", "string"),
        ("string", "string"),
        ("bass", "bass"),
        ("singing", "sing"),
        ("slowly", "slow"),
        ("melodies", "melody"),
        ("vocalist", "vocal"),
        ("pianist", "piano"),
    ],
)
def test_stemming(word, stemmed):
    assert stem(word) == stemmed


def test_phrase_identity_ignores_order_inflection_and_stopwords():
    assert en_key("mellow piano melodies") == en_key("the melody of a mellow piano") == ("mellow", "melody", "piano")


def test_builtin_synonyms_fold_to_canonical_tags():
    vocab = builtin_vocabulary()
    assert vocab.canonical("Male Vocalist") == "male vocal"
    assert vocab.canonical("伤感") == "sad" and vocab.canonical("upbeat") == "happy"
    assert vocab.canonical("Some New Things") == "some new thing"  # unknown: normalised, kept
    assert vocab.category_of["piano"] == "instrument"


def test_normalisation_trims_lowercases_maps_and_dedups():
    vocab = builtin_vocabulary()
    assert normalise_aspects([" Piano ", "piano.", "Male Vocals", "男声", "", "钢琴"], vocab) == ["piano", "male vocal"]
    assert normalise_aspects(["  Rock  Song ", "rock song", "抒情"]) == ["rock song", "抒情"]


def test_english_matching_is_order_free_inflection_and_typo_tolerant(lexicon):
    text = "A ballad led by melancholic strings and an acoustic guitars, with a soft femal vocalist singing."
    tags = lexicon.extract(text)
    assert {"ballad", "sad", "strings", "acoustic guitar", "female vocal"} <= set(tags)
    assert "guitar" not in tags  # subsumed by the more specific "acoustic guitar"


def test_negated_and_cross_sentence_mentions_are_skipped(lexicon):
    tags = lexicon.extract("The song features a piano. There are no drums, and it is without vocals.")
    assert "piano" in tags and "drums" not in tags
    assert "no vocals" in tags  # the negation is part of this tag's own wording


def test_chinese_words_compounds_negation_and_traditional(lexicon):
    assert lexicon.extract("钢琴伴奏，节奏缓慢，没有鼓点，略带伤感。") == ["piano", "slow tempo", "sad"]
    assert lexicon.extract("電吉他和鼓聲激昂") == ["electric guitar", "drums", "passionate"]


def test_user_tsv_and_bad_rows(tmp_path):
    vocab = Vocabulary()
    add_tsv(vocab, "# mine\nguzheng\tinstrument\tzither|古筝\n", "mine.tsv")
    assert vocab.canonical("zithers") == "guzheng"
    with pytest.raises(InputFormatError, match=r"bad\.tsv:1"):
        add_tsv(Vocabulary(), "only-one-column\n", "bad.tsv")
    with pytest.raises(UserError, match="vocabulary not found"):
        load_vocabulary([str(tmp_path / "none.tsv")])


def test_muchin_v2_maps_load(realdata):
    vocab = Vocabulary()
    add_muchin_v2(vocab, realdata / "muchin-v2" / "divided_data_professional")
    assert vocab.canonical("华语流行") == "流行" and vocab.category_of["流行"] == "genre_and_style"
    lexicon = LexiconExtractor(vocab)
    assert "流行" in lexicon.extract("这是一首华语流行歌曲。")


def test_musiccaps_vocabulary_can_leave_out_evaluation_rows(realdata):
    csv_path = realdata / "musiccaps" / "musiccaps-public.csv"
    import csv

    with csv_path.open(encoding="utf-8", newline="") as handle:
        evaluation = {r["ytid"] for r in csv.DictReader(handle) if r["is_audioset_eval"] == "True"}
    assert len(evaluation) == 2858
    everything, train = Vocabulary(), Vocabulary()
    add_musiccaps(everything, csv_path, min_count=1)
    add_musiccaps(train, csv_path, min_count=1, exclude_ytids=evaluation)
    assert len(everything) > len(train) > 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a lively tune", ["energetic"]),  # lively is not live (recording)
        ("songs about our lives", []),
        ("she dances all night", []),  # a verb, not the dance genre
        ("it rocks", []),
        ("the bass drum pounds", ["drums"]),  # not the bass
        ("a live recording of dance music", ["live recording", "dance"]),
        ("a pianno melody", ["piano"]),  # misspellings still found
    ],
)
def test_stemming_collisions(lexicon, text, expected):
    assert lexicon.extract(text) == expected


def test_muchin_v2_category_labels_are_never_aspects(realdata):
    vocab = builtin_vocabulary()
    add_muchin_v2(vocab, realdata / "muchin-v2")
    tags = set(vocab.canonical_of.values())
    assert not {"其他", "人声与表演", "艺术风格", "节奏特点", "情感类"} & tags
    # Forms of a large, mixed cluster stay themselves: 广场舞 is no 快速 (tempo).
    assert vocab.canonical("广场舞") == "广场舞"
    text = "这首歌节奏很快，适合跳广场舞，女声甜美，还用了二胡。"
    assert not any(is_category_label(tag) for tag in LexiconExtractor(vocab).extract(text))
    coarse = builtin_vocabulary()
    add_muchin_v2(coarse, realdata / "muchin-v2", clusters_as_tags=True)
    assert coarse.canonical("广场舞") == "快速"  # what the coarse maps did


def test_musiccaps_vocabulary_leaves_out_given_ids(tmp_path):
    rows = [("a1", "['otherworldly glockenspiel']", "False"), ("a2", "['otherworldly glockenspiel']", "False"),
            ("e1", "['crunchy theremin']", "True"), ("e2", "['crunchy theremin']", "True")]  # fmt: skip
    path = tmp_path / "musiccaps.csv"
    path.write_text(
        "ytid,aspect_list,caption,is_audioset_eval\n" + "".join(f'{y},"{a}",x,{e}\n' for y, a, e in rows),
        encoding="utf-8",
    )
    text = "an otherworldly glockenspiel over a crunchy theremin"
    assert LexiconExtractor(load_vocabulary([f"musiccaps={path}"])).extract(text) == [
        "otherworldly glockenspiel", "crunchy theremin"]  # fmt: skip
    no_eval = load_vocabulary([f"musiccaps={path}"], exclude_ids={"e1", "e2"})
    assert LexiconExtractor(no_eval).extract(text) == ["otherworldly glockenspiel"]
    train_only = load_vocabulary([f"musiccaps-train={path}"])
    assert LexiconExtractor(train_only).extract(text) == ["otherworldly glockenspiel"]
