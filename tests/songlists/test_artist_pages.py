"""An artist's songs from their encyclopedia page: works tables, works lines and the infobox."""

from __future__ import annotations

from collections import Counter

import pytest

from crossmusim.songlists.artist_pages import artist_entries, works_line_title

REAL_PAGE = "baike-pages/lizeyan_csharplearning.html"  # a real older-layout page (a game character)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("《晴天》", "晴天"),
        ("《七里香》 2004年 收录于专辑《七里香》", "七里香"),
        ("2019生日（迷醉之时）主题曲:《微酿心韵》(V.K克）", "微酿心韵"),
        ("收录于专辑：《叶惠美》", None),
        ("2003年 发行专辑《叶惠美》，主打歌：《以父之名》", "以父之名"),
        ("2003年《晴天》", "晴天"),
        ("晴天 2003年 《叶惠美》", None),  # a works table's row as text: title, year, album
        ("没有作品名的一行", None),
    ],
)
def test_a_works_line_gives_its_song_not_its_album(line, title):
    assert works_line_title(line) == title


def test_a_real_page_without_a_works_section_gives_no_songs(realdata):
    """Its five tables (cards named 名称, a biography) and its character-song section are not an
    artist's works: nothing is taken from them."""
    html = (realdata / REAL_PAGE).read_text(encoding="utf-8")
    dropped: Counter[str] = Counter()
    assert artist_entries(html, "https://baike.baidu.com/item/李泽言", "李泽言", dropped) == []


def test_a_works_section_in_the_real_markup(realdata):
    """The same real page with its song section's heading named as a works heading: its lines, which
    put a label before the title and the composer after it, give the three songs."""
    html = (realdata / REAL_PAGE).read_text(encoding="utf-8").replace("角色歌曲", "音乐作品")
    dropped: Counter[str] = Counter()
    entries = artist_entries(html, "https://baike.baidu.com/item/李泽言", "李泽言", dropped)
    assert [e.title for e in entries] == ["时间之间", "微酿心韵", "交换秘密"]
    assert {e.chart for e in entries} == {"artist-page: 李泽言"} and {e.artists for e in entries} == {("李泽言",)}
