"""Chart pages: every table with a title and an artist column, rowspans filled, marks and quotes removed."""

from __future__ import annotations

from collections import Counter

from crossmusim.crawlers.parsing.tables import parse_tables
from crossmusim.songlists.html_tables import page_entries

# Two year-end tables on one page, as the English encyclopedia writes them: the rank as a <th>, the
# artist written once for two consecutive singles (rowspan), footnote marks, quoted titles, a
# "featuring" credit, and a navigation table without songs.
YEAR_END_PAGE = """<html><head><title>Year-End Hot 100 singles - Wikipedia</title></head><body>
<h1>Year-End Hot 100 singles</h1>
<table class="navbox"><tr><th>Years</th><td>2018 · 2019</td></tr></table>
<h2><span class="mw-headline">2018</span></h2>
<table class="wikitable sortable"><tbody>
<tr><th>No.</th><th>Title</th><th>Artist(s)</th></tr>
<tr><th>1</th><td>"God's Plan"</td><td>Drake</td></tr>
<tr><th>2</th><td>"Perfect"<sup class="reference"><a href="#cite_note-1">[1]</a></sup></td><td>Ed Sheeran</td></tr>
<tr><th>3</th><td>"Happier"</td><td>Marshmello and Bastille</td></tr>
</tbody></table>
<h2><span class="mw-headline">2019</span></h2>
<table class="wikitable sortable">
<caption>Year-End Hot 100 of 2019</caption>
<tr><th>No.</th><th>Title</th><th>Artist(s)</th><th>Label</th></tr>
<tr><th>1</th><td>"Old Town Road"[a]</td><td>Lil Nas X featuring Billy Ray Cyrus</td><td>Columbia</td></tr>
<tr><th>2</th><td>"Wow"</td><td rowspan="2">Post Malone</td><td rowspan="2">Republic</td></tr>
<tr><th>3</th><td>"Goodbyes"</td></tr>
<tr><th>4</th><td>"Happier"†</td><td>Marshmello and Bastille</td><td>Astralwerks</td></tr>
<tr><th colspan="4">Songs below are ties</th></tr>
</table></body></html>"""

# The Chinese encyclopedia's chart table (newer layout): no <th>, the header is the first row of cells,
# under a title row spanning the table; Traditional characters in the header.
CHINESE_CHART = """<html><head><title>年度华语金曲榜_百度百科</title></head><body>
<div class="paraTitle_pZHVl" data-tag="header"><h2>2003年度榜单</h2></div>
<div data-tag="module" data-module-type="table"><table><tbody>
<tr><td colspan="3"><div class="para">2003年度华语金曲</div></td></tr>
<tr><td><div class="para">排名</div></td><td><div class="para">歌名</div></td><td><div class="para">歌手</div></td></tr>
<tr><td>1</td><td>《晴天》</td><td>周杰倫</td></tr>
<tr><td>2</td><td>《後來》<sup>[2]</sup></td><td>刘若英</td></tr>
<tr><td>3</td><td>《十年》</td><td>陈奕迅</td></tr>
</tbody></table></div></body></html>"""


def test_grid_fills_rowspans_and_colspans():
    page = parse_tables(YEAR_END_PAGE)
    assert page.title == "Year-End Hot 100 singles - Wikipedia"
    grid = page.tables[2].rows
    assert grid[2] == ["2", '"Wow"', "Post Malone", "Republic"]
    assert grid[3] == ["3", '"Goodbyes"', "Post Malone", "Republic"]
    assert grid[5] == ["Songs below are ties"] * 4
    assert page.tables[1].context == "2018" and page.tables[2].context == "Year-End Hot 100 of 2019"


def test_two_chart_tables_of_one_page():
    dropped: Counter[str] = Counter()
    page = page_entries(YEAR_END_PAGE, "saved.html", dropped)
    assert page.tables_read == 2 and page.tables_skipped == 1  # the navigation box has no song columns
    rows = [(e.rank, e.title, e.artist, e.artists, e.year) for e in page.entries]
    assert rows == [
        (1, "God's Plan", "Drake", ("Drake",), 2018),
        (2, "Perfect", "Ed Sheeran", ("Ed Sheeran",), 2018),
        (3, "Happier", "Marshmello and Bastille", ("Marshmello", "Bastille"), 2018),
        (1, "Old Town Road", "Lil Nas X", ("Lil Nas X", "Billy Ray Cyrus"), 2019),
        (2, "Wow", "Post Malone", ("Post Malone",), 2019),
        (3, "Goodbyes", "Post Malone", ("Post Malone",), 2019),
        (4, "Happier", "Marshmello and Bastille", ("Marshmello", "Bastille"), 2019),
    ]
    assert {e.chart for e in page.entries} == {
        "Year-End Hot 100 singles: 2018", "Year-End Hot 100 singles: Year-End Hot 100 of 2019"}  # fmt: skip
    assert page.unplaced == ["Label"]
    assert dropped == {}  # the all-<th> row of ties is a header row, not a song


def test_chinese_chart_table_with_its_header_under_a_title_row():
    dropped: Counter[str] = Counter()
    page = page_entries(CHINESE_CHART, "https://baike.example/item/chart", dropped)
    assert [(e.rank, e.title, e.artist, e.year) for e in page.entries] == [
        (1, "晴天", "周杰倫", 2003), (2, "後來", "刘若英", 2003), (3, "十年", "陈奕迅", 2003)]  # fmt: skip
    assert page.entries[0].chart == "年度华语金曲榜 2003"  # each year of a chart is a listing


def test_a_page_without_tables_reads_nothing():
    assert page_entries("", "empty.html", Counter()).tables_read == 0
    assert page_entries("<html><body><p>no chart</p></body></html>", "p.html", Counter()).tables_skipped == 0
