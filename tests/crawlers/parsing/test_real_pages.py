"""The three real saved Baidu Baike pages in ../shared/realdata/baike-pages (none is a song page):
every field they show, against golden records (long texts kept as length, ends and hash so that no
page text is copied here; `python tests/fixtures/golden/regenerate.py` rewrites them)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES
from tests.fixtures.golden.regenerate import REAL_PAGES, real_golden

GOLDEN = FIXTURES / "golden" / "real"


@pytest.mark.parametrize(("name", "url"), REAL_PAGES.items(), ids=list(REAL_PAGES))
def test_real_page_matches_its_golden_record(realdata, name, url):
    html = (realdata / "baike-pages" / name).read_text(encoding="utf-8")
    golden = json.loads((GOLDEN / name.replace(".html", ".json")).read_text(encoding="utf-8"))
    assert real_golden(html, url) == golden


def test_what_the_real_pages_showed_that_was_missed_before(realdata):
    def report(name):
        html = (realdata / "baike-pages" / name).read_text(encoding="utf-8")
        return real_golden(html, REAL_PAGES[name])

    spider = report("spider_vectoria.html")
    assert spider["verdict"] == "not_song" and spider["record"]["title"] == "蜘蛛"
    # Infobox only in PAGE_DATA.card (the HTML boxes are empty); categories only in PAGE_DATA.
    assert spider["record"]["infobox"]["拉丁学名"] == "Araneida；Araneae"
    assert spider["record"]["categories"] == ["自然科学/生命科学/动物", "动物"]
    assert spider["record"]["description"] == "蛛形纲蜘蛛目动物的统称"
    assert spider["record"]["aliases"] == ["蠄蟧", "波丝", "spider"]
    # Picture captions are not text: 内部构造 used to start with the caption 蜘蛛.
    assert spider["record"]["all_sections"]["内部构造"]["start"].startswith("蜘蛛在内部构造上")
    xiongan = report("xiongan_hitech_zone.html")
    assert xiongan["record"]["all_sections"]["历史沿革"]["end"].endswith("组织机构正式运行。")  # no caption
    lizeyan = report("lizeyan_csharplearning.html")
    assert lizeyan["record"]["canonical_url"] == "https://baike.baidu.com/item/李泽言/22304942"  # no ?fr=
    assert lizeyan["record"]["infobox"]["性别"] == "男"  # keys padded with &nbsp; are clean
