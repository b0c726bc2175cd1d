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


def _modules_page(content: str, outside: str = "") -> str:
    return ("<html><body><h1 class='J-lemma-title'>某歌</h1><div class='lemmaDescText_x'>甲乙演唱的歌曲</div>"
            f"<div class='J-lemma-content'>{content}</div>{outside}</body></html>")  # fmt: skip


def _para(text: str) -> str:
    return f"<div class='para_a1b2' data-tag='paragraph'><span>{text}</span></div>"


def test_headings_without_data_tag_are_recognised_by_class_or_by_h2_and_lead_paragraphs_are_kept():
    # The variant a user met: paraTitle_ section titles without data-tag="header".
    html = _modules_page(
        _para("这首歌发行于2003年。")
        + "<div class='paraTitle_Zx9 level-1_Q'><h2>创作背景</h2></div>" + _para("写于一个雨夜。")
        + "<div class='paraTitle_Zx9 level-2_Q'><h3>录音</h3></div>" + _para("在台北录制。")
        + "<h2>歌曲鉴赏</h2>" + _para("旋律舒缓。")
        + "<div class='paraTitle_Zx9'><h2>获奖记录</h2></div>" + _para("年度金曲。")
    )  # fmt: skip
    lemma = parse_lemma(html, "http://x/item/某歌/1")
    song = song_from_lemma(lemma, "http://x/item/某歌/1")
    assert song.summary == "这首歌发行于2003年。"  # no summary block: the lead paragraph stands for it
    assert song.background == "写于一个雨夜。\n录音\n在台北录制。"  # the level-2 heading stays inside
    assert song.review == "旋律舒缓。"
    assert song.sections == {"获奖记录": "年度金曲。"}
    assert lemma.text_unassigned == 0


def test_paragraphs_no_section_takes_are_counted_and_shown_by_parse_page():
    summary = "<div class='lemmaSummary_x J-summary'><div class='para_s' data-tag='paragraph'>一首歌。</div></div>"
    html = _modules_page(
        summary.join(["", ""]) + _para("开头的一段。") + "<div data-tag='header' data-level='1'><h2>创作背景</h2></div>"
        + _para("写于雨夜。"),
        outside="<div class='otherBox_q'>" + _para("正文容器之外的一段。") + _para("又一段。") + "</div>",
    )  # fmt: skip
    lemma = parse_lemma(html, "http://x/item/某歌/1")
    assert lemma.summary == "一首歌。"
    assert dict(lemma.sections) == {"正文": "开头的一段。", "创作背景": "写于雨夜。"}
    assert lemma.text_unassigned == 2  # the two outside the content block; the summary's paragraph is not counted
    assert page_report(html, "http://x/item/某歌/1")["text_unassigned"] == 2


def test_a_heading_used_twice_keeps_both_texts():
    html = _modules_page(
        "<div data-tag='header' data-level='1'><h2>获奖记录</h2></div>" + _para("甲奖。")
        + "<div data-tag='header' data-level='1'><h2>获奖记录</h2></div>" + _para("乙奖。")
    )  # fmt: skip
    assert song_from_lemma(parse_lemma(html, "http://x/1"), "http://x/1").sections == {"获奖记录": "甲奖。\n乙奖。"}
