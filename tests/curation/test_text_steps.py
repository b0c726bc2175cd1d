import pytest

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.vocabulary import builtin_vocabulary
from crossmusim.curation.base import CurationStats, DropSink
from crossmusim.curation.cleaning import clean_text, split_sentences
from crossmusim.curation.filters import IdentityFilter, LengthFilter, LLMStatusFilter, MusicRelevanceFilter
from crossmusim.curation.language import detect_language
from crossmusim.curation.masking import NameMasker, title_parts
from crossmusim.curation.songkey import song_key, strip_versions
from crossmusim.io import JsonlAppender, read_jsonl
from crossmusim.records import TextRecord


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("晴天 (Live)", "周杰倫 feat. 林迈可"), ("晴天", "周杰伦")),
        (("Yesterday - Remastered 2009", "The Beatles"), ("yesterday", "the beatles")),
        (("稻香 伴奏", "周杰伦"), ("稻香", "周杰伦")),
        (("ＨＥＬＬＯ！", "ADELE"), ("Hello", "Adele")),
        (("光輝歲月【现场版】", "Beyond"), ("光辉岁月", "BEYOND")),
        (("Hello (feat. Someone)", "Adele & Y"), ("Hello", "Adele")),
    ],
)
def test_song_keys_fold_script_width_case_credits_and_versions(a, b):
    assert song_key(*a) == song_key(*b)


def test_song_keys_keep_different_songs_apart():
    assert song_key("Live Forever", "Oasis") != song_key("Forever", "Oasis")
    assert strip_versions("Live Forever") == "Live Forever"
    assert song_key("晴天", "周杰伦") != song_key("晴天", "孙燕姿")


def test_cleaning_removes_html_mojibake_citations_and_boilerplate():
    raw = "<p>《晴天》是周杰伦的歌曲[1]，前奏&amp;副歌。</p>\n编辑\n播报\n歌曲鉴赏编辑\næ™´å¤©\n  多余   空格  "
    assert clean_text(raw) == "《晴天》是周杰伦的歌曲，前奏&副歌。\n歌曲鉴赏\n晴天\n多余 空格"


def test_sentence_splitting_zh_en_and_lyrics():
    assert split_sentences("第一句。第二句！第三句？还有", "zh", "caption") == [
        "第一句。",
        "第二句！",
        "第三句？",
        "还有",
    ]
    assert split_sentences("A slow song. It is sad! 3 beats", "en", "caption") == [
        "A slow song.",
        "It is sad!",
        "3 beats",
    ]
    assert split_sentences("故事的小黄花\n从出生那年就飘着", "zh", "lyrics") == ["故事的小黄花", "从出生那年就飘着"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("A slow ballad with soft piano and strings.", "en"),
        ("晴天", "zh"),
        ("Hello", "en"),
        ("这是一首 pop song，节奏很快", "zh"),
        ("Das ist ein langsames Lied mit Klavier und Geige.", "de"),
        ("夜に駆ける", "ja"),
        ("ok", "und"),
        ("", "und"),
    ],
)
def test_language_id(text, language):
    assert detect_language(text) == language


def test_langdetect_is_seeded():
    text = "Una canción lenta con piano y cuerdas, muy triste y nostálgica."
    assert {detect_language(text) for _ in range(5)} == {"es"}


def test_masking_chinese_cases():
    masker = NameMasker.for_song("晴天 (Live)", "周杰伦 feat. 林迈可", "叶惠美", ["Jay Chou"])
    text = "《晴天》是周 杰伦（Jay Chou）演唱的歌曲，收录于《叶惠美》。周杰倫、林迈可合作，JAY CHOU 演唱。"
    assert masker.mask(text) == (
        "《[TITLE]》是[ARTIST]（[ARTIST]）演唱的歌曲，收录于《[ALBUM]》。[ARTIST]、[ARTIST]合作，[ARTIST] 演唱。"
    )
    assert not masker.leaks(masker.mask(text))


def test_masking_partial_titles_and_english_names():
    assert title_parts("夜曲 (Live) - 十一月的萧邦版") >= {"夜曲", "十一月的萧邦版"}
    masker = NameMasker.for_song("Yesterday - Remastered 2009", "The Beatles")
    assert masker.mask("Yesterday by the Beatles; yesterday again. Beatles fans love Yesterday.") == (
        "[TITLE] by [ARTIST]; [TITLE] again. [ARTIST] fans love [TITLE]."
    )
    assert masker.mask("Yesterdays are gone") == "Yesterdays are gone"  # word edges respected


def test_other_titles_of_the_song_are_masked_as_title():
    # Redirect titles and the foreign title from the crawl (PAGE_DATA.redirectFrom, 外文名称).
    masker = NameMasker.for_song("夏夜的风", "甲乙", title_aliases=["夏夜之风", "Summer Night Wind"])
    assert masker.mask("《夏夜之风》（Summer Night Wind）由甲乙演唱") == "《[TITLE]》（[TITLE]）由[ARTIST]演唱"


def test_title_containing_the_artist_is_masked_as_title():
    masker = NameMasker.for_song("周杰伦的床边故事", "周杰伦")
    assert masker.mask("《周杰伦的床边故事》由周杰伦演唱") == "《[TITLE]》由[ARTIST]演唱"


def _records():
    return [
        TextRecord(
            "llm:m",
            "1",
            "caption",
            "A slow piano ballad with strings and a gentle voice.",
            "t",
            "a",
            status="described",
            language="en",
        ),
        TextRecord("llm:m", "2", "caption", "", "t2", "a", status="abstained", language="en"),
        TextRecord("cwe", "3", "caption", "短。", "t3", "a3", language="zh"),
        TextRecord(
            "cwe",
            "4",
            "caption",
            "这首歌发行于二零零三年，收录在同名专辑中，由唱片公司发行。",
            "t4",
            "a4",
            language="zh",
        ),
        TextRecord("musiccaps", "", "caption", "A loud rock song with electric guitar and drums.", language="en"),
    ]


def test_filters_count_and_write_dropped_records_aside(tmp_path):
    stats = CurationStats()
    with JsonlAppender(tmp_path / "dropped.jsonl") as out:
        sink = DropSink(out)
        stream = iter(_records())
        for step in (
            IdentityFilter(),
            LLMStatusFilter(),
            LengthFilter(),
            MusicRelevanceFilter(LexiconExtractor(builtin_vocabulary())),
        ):
            stream = step.apply(stream, stats, sink)
        kept = list(stream)
    assert [r.source_id for r in kept] == ["1"]
    assert stats.as_dict()["by_step"] == {
        "identity": {"dropped_no_song_identity": 1, "kept": 4},
        "llm_status": {"dropped_llm_abstained": 1, "kept": 3},
        "length": {"dropped_too_short": 1, "kept": 2},
        "relevance": {"dropped_not_about_music": 1, "kept": 1},
    }
    dropped = list(read_jsonl(tmp_path / "dropped.jsonl"))
    assert [(d["step"], d["reason"], d["record"]["source_id"]) for d in dropped] == [  # streamed in order
        ("llm_status", "llm_abstained", "2"),
        ("length", "too_short", "3"),
        ("relevance", "not_about_music", "4"),
        ("identity", "no_song_identity", ""),
    ]
