"""Chart tables as files: CSV, TSV, JSONL and Parquet, with the header names charts really use."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from crossmusim.errors import UserError
from crossmusim.songlists.table_files import file_entries

CHARTS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "charts"


def write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path: Path):
    dropped: Counter[str] = Counter()
    columns, entries = file_entries(path, dropped)
    return columns, list(entries), dropped


def test_a_real_year_end_chart_file_with_its_year_in_the_name():
    columns, entries, dropped = read(CHARTS / "billboard-year-end-hot-100-2019.csv")
    assert columns.columns == {"rank": "rank", "artist": "artist", "title": "song"}
    assert len(entries) == 100 and not dropped
    first = entries[0]
    assert (first.title, first.artist, first.artists, first.year, first.rank) == (
        "Old Town Road", "Lil Nas X", ("Lil Nas X", "Billy Ray Cyrus"), 2019, 1)  # fmt: skip
    assert {e.chart for e in entries} == {"billboard-year-end-hot-100-2019"}


@pytest.mark.parametrize(
    ("header", "delimiter", "suffix"),
    [
        (["Track Name", "Artist Name(s)", "Release Date", "Position"], ",", ".csv"),
        (["歌名", "歌手", "发行时间", "排名"], "\t", ".tsv"),
        (["歌曲", "演唱", "發行時間", "No."], ",", ".csv"),
        (["Title", "Performer", "Year", "Rank"], "\t", ".tsv"),
    ],
)
def test_header_variants_in_csv_and_tsv(tmp_path, header, delimiter, suffix):
    path = write_csv(tmp_path / f"chart{suffix}", header, [["Yesterday", "The Beatles", "1965-08-06", 1],
                                                          ["晴天", "周杰伦", "2003年7月", "2"]], delimiter)  # fmt: skip
    _, entries, _ = read(path)
    assert [(e.title, e.artist, e.year, e.rank) for e in entries] == [
        ("Yesterday", "The Beatles", 1965, 1), ("晴天", "周杰伦", 2003, 2)]  # fmt: skip
    assert entries[0].chart == "chart 1965"  # no year in the name: each row's year makes its listing


def test_jsonl_and_parquet_with_a_chart_column(tmp_path):
    rows = [{"song": "Happier", "artists": ["Marshmello", "Bastille"], "chart": "Hot 100 2018", "no.": 6},
            {"song": "", "artists": ["Nobody"], "chart": "Hot 100 2018"},
            {"song": "Shallow", "artists": [], "chart": "Hot 100 2019"}]  # fmt: skip
    jsonl = tmp_path / "charts.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n{torn", encoding="utf-8")
    _, entries, dropped = read(jsonl)
    assert [(e.title, e.artist, e.artists, e.chart, e.rank) for e in entries] == [
        ("Happier", "Marshmello, Bastille", ("Marshmello", "Bastille"), "Hot 100 2018", 6)]  # fmt: skip
    assert dropped == {"no_title": 1, "no_artist": 1}

    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "chart-2012.parquet"
    pq.write_table(pa.table({"Track": ["Somebody That I Used to Know"], "Artist": ["Gotye featuring Kimbra"],
                             "Streams": [1]}), parquet)  # fmt: skip
    columns, entries, _ = read(parquet)
    assert columns.unplaced == ["Streams"]
    assert (entries[0].artist, entries[0].artists, entries[0].year) == ("Gotye", ("Gotye", "Kimbra"), 2012)


def test_a_file_without_a_title_or_artist_column_is_one_line(tmp_path):
    path = write_csv(tmp_path / "albums.csv", ["Album", "Artist"], [["Help!", "The Beatles"]])
    with pytest.raises(UserError) as caught:
        read(path)
    message = str(caught.value)
    assert "albums.csv" in message and "no title column" in message and "Album" in message
    assert "\n" not in message
