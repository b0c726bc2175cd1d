import json
from collections import defaultdict

import opencc
import pytest

from crossmusim.crawlers.parsing import infobox as ib


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2017年04月10日", "2017-04-10"),
        ("2009-05-08", "2009-05-08"),
        ("1989年", "1989"),
        ("2000年01月", "2000-01"),
        ("2003-9-2", "2003-09-02"),
        ("2009.05.08", "2009-05-08"),
        ("1993年5月14日（香港）", "1993-05-14"),
        ("2003年13月", "2003"),
        ("未知", None),
    ],
)
def test_release_dates_in_real_formats_become_iso(raw, iso):
    assert ib.parse_date(raw) == iso


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("4分21秒", 261),
        ("04:21", 261),
        ("3:46", 226),
        ("1:02:03", 3723),
        ("4：57", 297),
        ("3分", 180),
        ("261秒", 261),
        ("5分26秒（专辑版）", 326),
        ("约四分钟", None),
    ],
)
def test_durations(raw, seconds):
    assert ib.parse_duration(raw) == seconds


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("周耀辉、李卓雄", ["周耀辉", "李卓雄"]),
        ("Beyond & 梁邦彦", ["Beyond", "梁邦彦"]),
        ("A / B", ["A", "B"]),
        ("沙宝亮，黄绮珊 周晓鸥， 张惠妹", ["沙宝亮", "黄绮珊", "周晓鸥", "张惠妹"]),
        ("Daniel Powter", ["Daniel Powter"]),
        ("方大同,蓝又时等", ["方大同", "蓝又时"]),
        ("《 叶惠美》", ["叶惠美"]),
    ],
)
def test_credit_lists_split_on_every_real_separator(raw, names):
    assert ib.split_names(raw) == names


def test_genres_keep_ampersand_names_whole():
    assert ib.split_genres("R&B、流行") == ["R&B", "流行"]
    assert ib.split_genres("Dance-Rock，电子摇滚，Bubblegum pop") == ["Dance-Rock", "电子摇滚", "Bubblegum pop"]


def test_album_with_and_without_book_title_marks():
    assert ib.parse_album("《我等你》") == "我等你"
    assert ib.parse_album("小巨蛋演唱会 LIVE 陪我歌唱") == "小巨蛋演唱会 LIVE 陪我歌唱"


def test_padded_and_traditional_keys_normalise():
    assert ib.normalise_key("填\u00a0\u00a0\u00a0\u00a0词") == "lyricists"
    assert ib.normalise_key("所屬專輯") == "album"
    assert ib.normalise_key("中文名稱：") == "title"
    assert ib.normalise_key("歌曲鑑賞") == "歌曲鉴赏"  # a heading, not an infobox key
    assert ib.section_field("歌曲鑑賞") == "review"
    assert ib.section_field("創作背景") == "background"
    assert ib.normalise_key("出生日期") == "出生日期"  # unknown keys stay, cleaned


def test_credits_in_summary_prose():
    assert ib.credits_from_prose("由周耀辉、李卓雄填词，林健华谱曲") == {
        "lyricists": ["周耀辉", "李卓雄"],
        "composers": ["林健华"],
    }
    found = ib.credits_from_prose(
        "《以父之名》是 周杰伦演唱的一首歌曲，由周杰伦作曲， 黄俊郎填词， 洪敬尧编曲，收录在专辑《叶惠美》中。"
    )
    assert found == {"composers": ["周杰伦"], "lyricists": ["黄俊郎"], "arrangers": ["洪敬尧"], "artists": ["周杰伦"]}
    assert ib.credits_from_prose("这是一首关于夏天的歌。") == {}


def test_clean_text_drops_citation_marks():
    assert ib.clean_text("收录于专辑中[1]。 获奖[2-3]\u00a0 ") == "收录于专辑中。 获奖"


def _kdconv_song_keys(realdata):
    """Infobox keys of the KdConv entities that are songs (they carry a song-only key)."""
    attrs = defaultdict(dict)
    for name in ("test.json", "dev.json"):
        for conv in json.loads((realdata / "kdconv-music" / name).read_text(encoding="utf-8")):
            for turn in conv["messages"]:
                for a in turn.get("attrs", []):
                    attrs[a["name"]][a["attrname"]] = a["attrvalue"]
    markers = {"歌曲原唱", "所属专辑", "歌曲时长", "填词", "谱曲", "编曲"}
    songs = [a for a in attrs.values() if markers & set(a)]
    return songs, {k for a in songs for k in a}


def test_table_covers_every_song_key_of_real_kdconv_pages(realdata):
    songs, keys = _kdconv_song_keys(realdata)
    assert len(songs) >= 100 and len(keys) >= 20
    unmapped = sorted(k for k in keys if ib.normalise_key(k) not in ib._KEYS)
    assert unmapped == []


def test_table_covers_traditional_variants_of_real_keys(realdata):
    _, keys = _kdconv_song_keys(realdata)
    to_traditional = opencc.OpenCC("s2t")
    for key in keys:
        assert ib.normalise_key(to_traditional.convert(key)) == ib.normalise_key(key), key


def test_real_kdconv_values_parse(realdata):
    songs, _ = _kdconv_song_keys(realdata)
    dates = [s["发行时间"] for s in songs if "发行时间" in s]
    durations = [s["歌曲时长"] for s in songs if "歌曲时长" in s]
    assert all(ib.parse_date(d) for d in dates), [d for d in dates if not ib.parse_date(d)]
    assert all(ib.parse_duration(d) for d in durations), [d for d in durations if not ib.parse_duration(d)]
