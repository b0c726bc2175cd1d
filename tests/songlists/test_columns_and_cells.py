"""Header recognition and cell cleaning of chart tables."""

from __future__ import annotations

import pytest

from crossmusim.curation.songkey import song_key
from crossmusim.songlists.cells import billed_credit, cell_titles, clean_cell, credits, parse_rank, parse_year
from crossmusim.songlists.columns import HEADER_NAMES, place_columns


@pytest.mark.parametrize("role", ["title", "artist", "year", "rank", "chart"])
def test_every_header_name_places_its_role(role):
    for name in HEADER_NAMES[role]:
        placed = place_columns([name, "Notes"])
        assert placed.columns == {role: name}, name
        assert placed.unplaced == ["Notes"]


def test_headers_fold_case_width_script_spaces_and_footnotes():
    placed = place_columns(["TRACK NAME", "Ａｒｔｉｓｔ(s)[a]", "發行時間", "排 名", "Chart", "Label", ""])
    assert placed.columns == {"title": "TRACK NAME", "artist": "Ａｒｔｉｓｔ(s)[a]", "year": "發行時間",
                              "rank": "排 名", "chart": "Chart"}  # fmt: skip
    assert placed.unplaced == ["Label"]  # an empty header (an index column) is not reported


def test_the_first_matching_column_wins_and_a_second_is_unplaced():
    placed = place_columns(["Song", "Title", "Artist"])
    assert placed.columns["title"] == "Song" and placed.unplaced == ["Title"]
    assert not place_columns(["Song", "Album"]).has_songs()
    assert place_columns(["Song", "Album"]).missing() == ["artist"]


def test_titles_lose_quotes_and_footnote_marks():
    assert cell_titles('"Old Town Road"[a]') == ["Old Town Road"]
    assert cell_titles("“Truth Hurts”[12]†") == ["Truth Hurts"]
    assert cell_titles("《晴天》") == ["晴天"]
    assert cell_titles('"Cheap Thrills" / "Stressed Out"') == ["Cheap Thrills", "Stressed Out"]
    assert cell_titles("Thank U, Next") == ["Thank U, Next"]
    assert cell_titles("  ") == []
    assert clean_cell("Halsey [note 2] *") == "Halsey"


def test_credits_keep_acts_whole_and_split_featured_artists():
    assert billed_credit("Lil Nas X Featuring Billy Ray Cyrus") == "Lil Nas X"
    assert credits("Lil Nas X Featuring Billy Ray Cyrus") == ["Lil Nas X", "Billy Ray Cyrus"]
    assert credits("benny blanco, Halsey & Khalid") == ["benny blanco", "Halsey", "Khalid"]
    assert billed_credit("Ariana Grande (with Social House)") == "Ariana Grande"
    assert billed_credit("Dan + Shay") == "Dan + Shay"
    assert credits("周杰倫、費玉清") == ["周杰倫", "費玉清"]
    # the billed credit is cut before the names are split: the X of 'Lil Nas X' is no 'A x B'
    assert song_key("Old Town Road", "Lil Nas X Featuring Billy Ray Cyrus") == song_key("Old Town Road", "Lil Nas X")


def test_years_and_ranks_from_the_usual_shapes():
    assert [parse_year(v) for v in (2019, 2019.0, "2019-05-03", "2019年5月", "May 3, 2019", "", "n/a")] == [
        2019, 2019, 2019, 2019, 2019, None, None]  # fmt: skip
    assert [parse_rank(v) for v in ("1", "1.", "#3", "=5", "第7名", "4[a]", "—", "", 0, 12)] == [
        1, 1, 3, 5, 7, 4, None, None, None, 12]  # fmt: skip
