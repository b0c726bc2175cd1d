import dataclasses
import json

import pytest

from crossmusim.crawlers.parsing import blocks, lemma_page, search_page, site_urls, songs
from crossmusim.crawlers.parsing.html import decode_html
from crossmusim.demo.site import SiteSpec, demo_site_dir, render_search_page
from tests.conftest import FIXTURES
from tests.fixtures.golden.regenerate import ITEM_URL, golden_for, golden_name

SPEC = SiteSpec.from_dir(demo_site_dir())
PAGES = [e for e in SPEC.entries if e.body]


@pytest.mark.parametrize("entry", PAGES, ids=[e.path for e in PAGES])
def test_each_saved_page_parses_to_its_golden_record(entry):
    golden = json.loads((FIXTURES / "golden" / golden_name(entry.path)).read_text(encoding="utf-8"))
    assert golden_for(entry.body, entry.content_type, ITEM_URL.format(path=entry.path)) == golden


def _page(name: str) -> str:
    return (demo_site_dir() / "pages" / name).read_text(encoding="utf-8")


def _song(html: str, url: str = "http://x/item/a/1") -> songs.SongPage:
    return songs.song_from_lemma(lemma_page.parse_lemma(html, url), url)


def test_both_layouts_parse_to_the_same_record():
    old = dataclasses.asdict(_song(_page("qingtian.html")))
    new = dataclasses.asdict(_song((FIXTURES / "pages" / "qingtian-modules.html").read_text("utf-8")))
    assert (old.pop("layout"), new.pop("layout")) == ("basicinfo", "modules")
    assert old == new
    assert old["background"].startswith("这首歌是周杰伦在高中时期")
    assert old["review"].endswith("副歌的电吉他将情绪推向高潮。")  # level-3 heading folded in
    assert old["lyrics"].splitlines()[:2] == ["故事的小黄花", "从出生那年就飘着"]
    assert "[1]" not in old["summary"] and "编辑" not in json.dumps(old, ensure_ascii=False)


def test_old_layout_fields_in_detail():
    song = _song(_page("qingtian.html"))
    assert (song.title, song.page_id, song.album, song.release_date, song.duration_s) == (
        "晴天",
        "3053",
        "叶惠美",
        "2003-07-31",
        269,
    )
    assert song.arrangers == ["周杰伦", "林迈可"] and song.genres == ["流行", "摇滚"]
    assert song.sections == {
        "获奖记录": "时间 | 奖项名称 | 结果\n2004年 | 第4届全球华语歌曲排行榜年度二十大金曲 | 获奖"
    }
    assert song.categories == ["音乐作品", "单曲"]


def test_traditional_clone_maps_keys_and_headings():
    song = _song(_page("guanghuisuiyue.html"))
    assert song.album == "命運派對" and song.lyricists == ["黃家駒"] and song.release_date == "1990-09"
    assert song.background.startswith("黃家駒為表達") and song.review.startswith("歌曲以激昂")


def test_credits_from_summary_fill_a_sparse_infobox():
    song = _song(_page("hongdou.html"))
    assert (song.lyricists, song.composers, song.artists) == (["林夕"], ["柳重言"], ["王菲"])
    assert song.review.startswith("歌曲旋律婉转")  # 歌曲评价 is a review synonym


def test_gbk_page_decodes_from_its_meta_declaration():
    entry = next(e for e in SPEC.entries if e.path == "/item/童年/2536")
    with pytest.raises(UnicodeDecodeError):
        entry.body.decode("utf-8")
    html = decode_html(entry.body, "text/html")
    assert '<meta charset="gbk">' in html and "罗大佑" in html


def test_gb18030_page_decodes_from_the_http_header():
    entry = next(e for e in SPEC.entries if e.path == "/item/海阔天空/8466")
    html = decode_html(entry.body, "text/html; charset=GB18030")
    assert "𪚥" in html  # outside GBK: only a GB18030 decoder gets it right


def test_non_song_page_with_a_song_title_is_not_a_music_work():
    lemma = lemma_page.parse_lemma(_page("tongnian-novel.html"), "http://x/item/童年/5430")
    assert lemma.title == "童年" and songs.music_work_verdict(lemma) == "not_song"


def test_javascript_shell_is_an_empty_page_not_a_song():
    lemma = lemma_page.parse_lemma(_page("xiaoxingyun.html"), "http://x/item/小幸运/1888")
    assert lemma.title == "小幸运"  # from window.PAGE_DATA
    assert songs.music_work_verdict(lemma) == "empty_page"


def test_music_category_alone_marks_a_song():
    lemma = lemma_page.Lemma(title="t", layout="modules", summary="s", categories=["歌曲"])
    assert songs.music_work_verdict(lemma) is None
    album = lemma_page.Lemma(
        title="t",
        layout="modules",
        summary="s",
        infobox=[("专辑歌手", "陈奕迅"), ("曲目数量", "12首"), ("发行时间", "2011年")],
    )
    assert songs.music_work_verdict(album) == "not_song"


def test_challenge_page_and_captcha_redirect_are_blocks():
    challenge = (demo_site_dir() / "challenge.html").read_text(encoding="utf-8")
    assert blocks.detect_block(challenge) == "challenge_page"
    assert blocks.detect_block("", 302, "https://wappass.baidu.com/static/captcha/tuxing.html?x") == "captcha_redirect"
    assert blocks.detect_block("", 302, "http://127.0.0.1/item/七里香/1520") is None
    assert blocks.detect_block(_page("qingtian.html")) is None
    # A long real page that merely mentions the words is not a challenge.
    assert blocks.detect_block(_page("qingtian.html").replace("</body>", "安全校验中</body>")) is None


def test_search_page_hits_abstracts_and_next_link():
    entries = [e for e in SPEC.entries if "流行" in e.terms]
    html = render_search_page("流行", entries[:3], 0, len(entries), 3)
    page = search_page.parse_search_page(html, "http://h/search/none?word=%E6%B5%81%E8%A1%8C&pn=0&rn=10")
    assert [h.title for h in page.hits] == ["晴天", "稻香", "Forbidden Song"]
    assert page.hits[0].url == "http://h/item/%E6%99%B4%E5%A4%A9/3053"
    assert page.hits[0].abstract.startswith("《晴天》是周杰伦")
    assert page.next_url == "http://h/search/none?word=%E6%B5%81%E8%A1%8C&pn=3&rn=3&enc=utf8"
    last = search_page.parse_search_page(render_search_page("流行", entries[3:], 3, len(entries), 3), "http://h/")
    assert last.next_url is None


def test_item_keys_ignore_host_and_percent_encoding():
    a = site_urls.item_key("https://baike.baidu.com/item/%E6%99%B4%E5%A4%A9/3053")
    assert a == site_urls.item_key("http://127.0.0.1:9/item/晴天/3053/") == "/item/晴天/3053"
    assert site_urls.page_id_from_url("http://h/item/%E4%B8%83%E9%87%8C%E9%A6%99") is None
