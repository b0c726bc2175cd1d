"""Evaluation tags from the real open tag sets in ../shared/realdata."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.tag_sets import read_jamendo, read_musiccaps_tags, read_tag_file

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata"


def test_the_real_jamendo_tsv_parses_to_its_counts():
    path = REAL / "mtg-jamendo" / "autotagging-test.tsv"
    if not path.is_file():
        pytest.skip("../shared/realdata/mtg-jamendo is absent")
    tracks = read_jamendo(path)
    assert len(tracks) == 11565
    assert len({t for tr in tracks for t in tr.tags_fine}) == 87  # genres
    assert len({t for tr in tracks for t in tr.tags_coarse}) == 56  # moods and themes
    with_instruments = read_jamendo(path, instruments="coarse")
    assert len({t for tr in with_instruments for t in tr.tags_coarse}) == 56 + 40
    assert (
        tracks[0].id == "track_0000214" and tracks[0].artist == "artist_000014" and tracks[0].tags_fine == ["punkrock"]
    )
    assert read_tag_file(path)[0].tags_fine == ["punkrock"]  # recognised by its header


def test_the_real_musiccaps_csv_gives_aspect_tags():
    path = REAL / "musiccaps" / "musiccaps-public.csv"
    if not path.is_file():
        pytest.skip("../shared/realdata/musiccaps is absent")
    tracks = read_musiccaps_tags(path)
    assert len(tracks) == 5521 and tracks[0].id == "-0Gj8-vB1q4"
    assert "mellow piano melody" in tracks[0].tags_coarse and "sad" in tracks[0].tags_coarse


def test_own_format_with_artists_and_bad_rows(tmp_path):
    tags = tmp_path / "t.csv"
    tags.write_text("id,level,tag\na,coarse,rock\na,fine,grunge\nb,coarse,rock\n", encoding="utf-8")
    artists = tmp_path / "a.csv"
    artists.write_text("id,artist\na,Nirvana\n", encoding="utf-8")
    tracks = read_tag_file(tags, artists)
    assert [(t.id, t.artist, t.tags_coarse, t.tags_fine) for t in tracks] == [
        ("a", "Nirvana", ["rock"], ["grunge"]), ("b", "", ["rock"], [])
    ]  # fmt: skip
    tags.write_text("id,level,tag\na,medium,rock\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"t\.csv:2: needs id, level \(coarse\|fine\) and tag"):
        read_tag_file(tags)


def test_the_real_muchin_sample_gives_genre_mood_use_and_style_tags():
    folder = REAL / "muchin"
    if not (folder / "bm-data").is_dir():
        pytest.skip("../shared/realdata/muchin is absent")
    tracks = read_tag_file(folder)  # a folder: MuChin
    assert len(tracks) == 30
    first = tracks[0]
    assert (first.id, first.title, first.artist) == ("s_0001", "消愁", "薛之谦,毛不易")
    assert first.tags_coarse[0] == "pop" and "感伤" in first.tags_coarse  # genre, then moods and uses
    assert "流行民谣" in first.tags_fine  # the style tags
