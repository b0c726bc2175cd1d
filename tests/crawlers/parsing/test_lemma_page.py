"""What real newer-layout pages do beyond the simple case, on hand-written pages shaped like them."""

from __future__ import annotations

import dataclasses

from crossmusim.crawlers.inspect_page import page_report
from crossmusim.crawlers.parsing.lemma_page import parse_lemma
from crossmusim.crawlers.parsing.songs import classify_lemma, song_from_lemma
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"


def _record(name: str, url: str) -> dict:
    return dataclasses.asdict(song_from_lemma(parse_lemma((PAGES / name).read_text("utf-8"), url), url))


def test_an_infobox_only_in_page_data_gives_the_same_record_as_its_html_twin():
    url = "http://x/item/晴天/3053"
    in_html, in_page_data = _record("qingtian-modules.html", url), _record("qingtian-pagedata.html", url)
    assert "<dt" not in (PAGES / "qingtian-pagedata.html").read_text("utf-8")
    assert in_page_data == in_html
    assert in_html["album"] == "叶惠美" and in_html["duration_s"] == 269


def test_pictures_modules_tables_page_data_and_description():
    report = page_report(
        (PAGES / "song-extras.html").read_text("utf-8"), "https://baike.baidu.com/item/夏夜的风/4242?fr=aladdin"
    )
    record = report["record"]
    assert report["verdict"] == "song" and report["reason"] == "category 歌曲, 音乐作品"
    assert record["canonical_url"] == "https://baike.baidu.com/item/夏夜的风/4242"  # tracking query dropped
    assert record["page_id"] == "4242"
    assert record["categories"] == ["文化/音乐/歌曲", "音乐作品"]
    assert record["aliases"] == ["夏夜之风", "Summer Night Wind"]
    assert record["description"] == "甲乙、丙丁演唱的歌曲"
    assert record["artists"] == ["甲乙", "丙丁"]  # from the description: the infobox names no singer
    assert record["lyricists"] == ["甲乙"]  # a key padded with &nbsp;, a class hash starting with "_"
    assert record["summary"] == "《夏夜的风》是一首对唱歌曲，收录于专辑《夏天》。"  # not the summary anchor
    # Captions and album modules inside paragraphs are not text.
    assert record["background"] == "两位歌手在一个夏夜写下了这首歌。\n歌曲用了一把旧吉他录制。"
    assert record["review"] == "男女声交替演唱，旋律清新。"
    assert record["sections"] == {
        "发行历程": "2015年6月 首发: 收录于专辑《夏天》发行\n2016年 现场版: 在演唱会上首次现场演唱",
        "重要演出": "2017年8月 夏日音乐节: 压轴演唱\n2018年 跨年晚会",
        "获奖记录": "时间 | 奖项\n2016年 | 年度金曲",
    }


def test_a_song_description_alone_marks_a_song_and_names_its_artist():
    lemma = parse_lemma("<html><body><h1 class='J-lemma-title'>某歌</h1>"
                        "<div class='lemmaDescText_x'>2003年周杰伦演唱的歌曲</div>"
                        "<div class='lemmaSummary_x J-summary'>一首歌。</div></body></html>",
                        "http://x/item/某歌/1")  # fmt: skip
    assert classify_lemma(lemma) == ("song", "description 2003年周杰伦演唱的歌曲")
    assert song_from_lemma(lemma, "http://x/item/某歌/1").artists == ["周杰伦"]
    for not_a_song in ("周杰伦演唱专辑", "中国内地流行乐男歌手", "歌曲创作软件"):
        assert classify_lemma(dataclasses.replace(lemma, description=not_a_song))[0] == "not_song"


def test_the_generic_key_leibie_is_a_genre_only_on_music_works():
    from crossmusim.crawlers.parsing.lemma_page import Lemma

    animal = Lemma(title="蜘蛛", layout="modules", summary="s", infobox=[("类别", "动物"), ("门", "节肢动物门")])
    record = song_from_lemma(animal, "http://x/item/蜘蛛/1")
    assert record.genres == [] and record.infobox == {"类别": "动物", "门": "节肢动物门"}
    song = dataclasses.replace(animal, title="晴天", categories=["歌曲"], infobox=[("类别", "流行")])
    record = song_from_lemma(song, "http://x/item/晴天/1")
    assert record.genres == ["流行"] and record.infobox == {"genres": "流行"}
