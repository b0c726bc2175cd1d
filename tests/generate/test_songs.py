import json

import pytest

from crossmusim.errors import UserError
from crossmusim.generate.songs import load_songs


def test_csv_with_duplicates_future_songs_and_missing_fields(tmp_path):
    path = tmp_path / "songs.csv"
    path.write_text(
        "title,artist,album,year,id\n晴天,周杰伦,叶惠美,2003,s1\n"
        "晴天 ,周杰伦,,,s9\n新歌,某人,,2023,s5\n,没标题,,,s6\nＨｅｌｌｏ,Adele,25,2015,\n",
        encoding="utf-8",
    )
    load = load_songs(path)
    assert [(s.id, s.title, s.year) for s in load.songs][:1] == [("s1", "晴天", 2003)]
    assert len(load.songs) == 2 and load.songs[1].title == "Ｈｅｌｌｏ" and len(load.songs[1].id) == 12
    assert dict(load.dropped) == {"duplicate": 1, "after_max_year": 1, "missing_title_or_artist": 1}
    assert load.problems == [f"{path}:5: needs both title and artist"]


def test_crawl_output_is_accepted_as_it_is(tmp_path):
    path = tmp_path / "songs.jsonl"
    rows = [
        {
            "title": "晴天",
            "artists": ["周杰伦"],
            "album": "叶惠美",
            "release_date": "2003-07-31",
            "page_id": "3053",
            "canonical_url": "c",
        },
        {"title": "Duet", "artists": ["A", "B"], "release_date": None, "page_id": "7", "canonical_url": "d"},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    songs = load_songs(path, limit=5).songs
    assert [(s.id, s.artist, s.year) for s in songs] == [("3053", "周杰伦", 2003), ("7", "A、B", None)]


def test_unsupported_or_missing_files(tmp_path):
    with pytest.raises(UserError, match="songs file not found"):
        load_songs(tmp_path / "none.csv")
    bad = tmp_path / "songs.txt"
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="must be a .csv or .jsonl"):
        load_songs(bad)
