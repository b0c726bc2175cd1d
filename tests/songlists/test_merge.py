"""One row per song across charts, and the list's filters with their counts."""

from __future__ import annotations

from crossmusim.songlists.entries import ChartEntry
from crossmusim.songlists.merge import merge_entries, select_songs


def entry(title, artist, chart, year=None, rank=None, artists=None):
    return ChartEntry(title, artist, tuple(artists or [artist]), year, rank, chart, f"{chart}.csv")


def test_the_same_song_merges_across_charts_width_case_script_and_credits():
    songs, came_in = merge_entries([
        entry("晴天", "周杰伦", "金曲榜 2003", 2003, 4),
        entry("晴天 (Live)", "周杰倫", "金曲榜 2004", 2004, 2),
        entry("ＨＥＹ ＪＵＤＥ", "The Beatles", "hot-100 1968", 1968, 1),
        entry("Hey Jude", "the beatles", "uk 1968", 1968, 1),
        entry("Old Town Road (feat. Billy Ray Cyrus)", "Lil Nas X", "hot-100 2019", 2019, 1,
              ["Lil Nas X", "Billy Ray Cyrus"]),
        entry("Old Town Road", "Lil Nas X", "uk 2019", 2019, 3),
        entry("Old Town Road", "Lil Nas X", "uk 2019", 2019, 3),  # listed twice on one chart: one listing
    ])  # fmt: skip
    assert came_in == 7 and len(songs) == 3
    sunny, jude, road = songs
    assert (sunny.title, sunny.artist, sunny.year, sunny.charts, sunny.best_rank) == ("晴天", "周杰伦", 2003, 2, 2)
    assert sunny.sources == ["金曲榜 2003", "金曲榜 2004"]
    assert jude.charts == 2 and jude.title == "ＨＥＹ ＪＵＤＥ"  # the first list's spelling is kept
    assert road.charts == 2 and road.artists == ["Lil Nas X", "Billy Ray Cyrus"]
    assert road.row() == {"title": "Old Town Road (feat. Billy Ray Cyrus)", "artist": "Lil Nas X",
                          "artists": "Lil Nas X; Billy Ray Cyrus", "year": 2019, "charts": 2, "best_rank": 1,
                          "sources": "hot-100 2019; uk 2019"}  # fmt: skip


def _songs():
    songs, _ = merge_entries([
        entry("A", "x", "c1", 2001, 5), entry("A", "x", "c2", 2002, 9), entry("A", "x", "c3", 2002, 7),
        entry("B", "y", "c1", 2019, 1), entry("B", "y", "c2", 2019, 2),
        entry("C", "z", "c1", 2021, 1), entry("C", "z", "c2", 2021, 1), entry("C", "z", "c3", 2021, 1),
        entry("D", "w", "c1", None, 3),
        entry("E", "v", "c1", 1999, 1),
    ])  # fmt: skip
    return songs


def test_max_year_leaves_out_late_songs_and_keeps_songs_without_a_year():
    kept, left = select_songs(_songs(), max_year=2020, min_charts=1, top=None)
    assert [s.title for s in kept] == ["A", "B", "E", "D"]  # most-charted, then best rank
    assert left == {"after_max_year": 1}
    kept, left = select_songs(_songs(), max_year=None, min_charts=1, top=None)
    assert [s.title for s in kept][0] == "C" and not left


def test_min_charts_and_top_count_what_they_leave():
    kept, left = select_songs(_songs(), max_year=2020, min_charts=2, top=None)
    assert [s.title for s in kept] == ["A", "B"] and left == {"after_max_year": 1, "below_min_charts": 2}
    kept, left = select_songs(_songs(), max_year=2020, min_charts=1, top=3)
    assert [s.title for s in kept] == ["A", "B", "E"] and left == {"after_max_year": 1, "beyond_top": 1}
