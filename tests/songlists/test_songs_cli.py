"""`crossmusim songs` as a user runs it: real chart files, chart pages and artists' pages fetched from a
real server on loopback (robots.txt obeyed), and the list read by `generate --songs` as it is."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from crossmusim.demo.site import Entry, LocalSite
from crossmusim.demo.world.artists import make_world
from crossmusim.demo.world.pages import world_site
from crossmusim.generate.songs import load_songs
from tests.conftest import run_cli
from tests.songlists.test_html_tables import CHINESE_CHART, YEAR_END_PAGE

CHARTS = sorted((Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "charts").glob("*.csv"))
FAST = ["--delay", "0", "--timeout", "5"]


def songs_cli(*args: str):
    return run_cli("songs", *args)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def real_list(tmp_path_factory):
    out = tmp_path_factory.mktemp("songs") / "songs.csv"
    proc = songs_cli(*[a for c in CHARTS for a in ("--chart", str(c))], "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_three_real_year_end_charts_merge_by_song(real_list):
    out, proc = real_list
    listed = rows(out)
    assert list(listed[0]) == ["title", "artist", "artists", "year", "charts", "best_rank", "sources"]
    # 2018 and 2019 share 11 songs; 2010 shares none with them
    assert len(listed) == 289 and sum(r["charts"] == "2" for r in listed) == 11
    happier = next(r for r in listed if r["title"] == "Happier")
    assert happier == {"title": "Happier", "artist": "Marshmello & Bastille", "artists": "Marshmello; Bastille",
                       "year": "2018", "charts": "2", "best_rank": "6",
                       "sources": "billboard-year-end-hot-100-2018; billboard-year-end-hot-100-2019"}  # fmt: skip
    assert proc.stdout.strip() == (f"songs: 300 chart entries came in; 11 merged into songs listed elsewhere; "
                                   f"289 songs; wrote 289 to {out}")  # fmt: skip
    report = json.loads(out.with_name("songs.report.json").read_text("utf-8"))
    assert report["merged"] == 11 and report["written"] == 289


def test_generate_reads_the_list_unchanged(real_list, tmp_path):
    out, _ = real_list
    load = load_songs(out, max_year=2020)
    assert not load.dropped
    assert [(s.title, s.artist, s.year) for s in load.songs] == [
        (r["title"], r["artist"], int(r["year"])) for r in rows(out)]  # fmt: skip
    proc = run_cli("generate", "--llm", "gpt-4o-mini", "--songs", str(out), "--out", str(tmp_path / "g"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "dry run: 289 calls" in proc.stdout


def test_max_year_min_charts_and_top(tmp_path):
    out = tmp_path / "songs.csv"
    charts = [a for c in CHARTS for a in ("--chart", str(c))]
    proc = songs_cli(*charts, "--out", str(out), "--max-year", "2018", "--min-charts", "1")
    assert proc.returncode == 0, proc.stderr
    assert "left out: 89 after 2018" in proc.stdout and len(rows(out)) == 200
    songs_cli(*charts, "--out", str(out), "--min-charts", "2")
    assert len(rows(out)) == 11 and {r["charts"] for r in rows(out)} == {"2"}
    proc = songs_cli(*charts, "--out", str(out), "--top", "5")
    assert "left out: 284 beyond --top 5" in proc.stdout
    assert [r["title"] for r in rows(out)] == ["Happier", "I Like It", "Sicko Mode", "Girls Like You", "Lucid Dreams"]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The demo world's encyclopedia with two chart pages (bad inputs: tests/cli/bad_inputs.py)."""
    spec, _ = world_site(make_world(artists=4, songs_per_artist=5, seed=3), seed=3)
    spec.entries += [
        Entry(path="/charts/year-end", body=YEAR_END_PAGE.encode()),
        Entry(path="/charts/华语金曲", body=CHINESE_CHART.encode()),
    ]
    site = LocalSite(spec)
    site.start()
    yield site
    site.stop()


def test_chart_urls_and_artist_pages_in_one_polite_crawl(web, tmp_path):
    people = {}
    for song in make_world(artists=4, songs_per_artist=5, seed=3):
        people.setdefault(song.artist.name, []).append(song)
    names = list(people)[:2]
    artists = tmp_path / "artists.txt"
    artists.write_text(f"# prominent\n{names[0]}\n\n{names[1]}\nNobody Atall\n", encoding="utf-8")
    out = tmp_path / "songs.csv"
    proc = songs_cli("--chart", f"{web.url}/charts/year-end", "--chart", f"{web.url}/charts/华语金曲",
                     "--artists", str(artists), "--site-url", web.url, "--out", str(out), *FAST)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    listed = rows(out)
    by_source = [r for r in listed if r["sources"].startswith("artist-page")]
    expected = {(s.title, s.artist.name, str(s.year)) for name in names for s in people[name]}
    assert {(r["title"], r["artist"], r["year"]) for r in by_source} == expected
    assert {r["sources"] for r in by_source} == {f"artist-page: {n}" for n in names}
    assert {"Old Town Road", "晴天", "Goodbyes"} <= {r["title"] for r in listed}
    assert "artists: 2 of 3 pages read, 1 not found, 0 failed" in proc.stdout
    assert "note: " in proc.stderr and "columns not used: Label" in proc.stderr
    assert web.hits["/robots.txt"] >= 1
    # a second run answers from the HTTP cache: no chart or artist page is fetched again
    before = dict(web.hits)
    assert songs_cli("--chart", f"{web.url}/charts/year-end", "--artists", str(artists), "--site-url", web.url,
                     "--out", str(out), *FAST).returncode == 0  # fmt: skip
    assert web.hits["/charts/year-end"] == before["/charts/year-end"]
