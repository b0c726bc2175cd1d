"""The three real saved Baidu Baike pages in ../shared/realdata/baike-pages (none is a song page):
what the parser already gets right on markup nobody here wrote. Full golden records are issue 8."""

from __future__ import annotations

import pytest

from crossmusim.crawlers.parsing.blocks import detect_block
from crossmusim.crawlers.parsing.lemma_page import parse_lemma
from crossmusim.crawlers.parsing.songs import music_work_verdict

PAGES = [  # file, URL it was served under, title, layout
    (
        "xiongan_hitech_zone.html",
        "https://baike.baidu.com/item/河北雄安高新技术产业开发区/63950501",
        "河北雄安高新技术产业开发区",
        "modules",
    ),
    ("spider_vectoria.html", "https://baike.baidu.com/item/蜘蛛", "蜘蛛", "modules"),
    ("lizeyan_csharplearning.html", "https://baike.baidu.com/item/李泽言/22304942?fr=aladdin", "李泽言", "basicinfo"),
]


@pytest.mark.parametrize(("name", "url", "title", "layout"), PAGES, ids=[p[0] for p in PAGES])
def test_real_page_is_read_as_a_non_song_lemma(realdata, name, url, title, layout):
    html = (realdata / "baike-pages" / name).read_text(encoding="utf-8")
    assert detect_block(html) is None
    lemma = parse_lemma(html, url)
    assert (lemma.title, lemma.layout) == (title, layout)
    assert lemma.summary and lemma.sections  # text found, so the verdict below is not "empty_page"
    assert music_work_verdict(lemma) == "not_song"
