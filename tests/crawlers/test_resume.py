"""Kill-and-resume: a crawl process is stopped mid-way (SIGKILL or Ctrl-C) and resumed; the output
ends with every expected record exactly once and the search pages are not fetched again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crossmusim.demo.site import LocalSite
from crossmusim.io import read_jsonl
from crossmusim.testing.synthetic_site import synthetic_spec
from tests.conftest import REPO_ROOT, run_cli

N_SONGS = 40
TERMS = ("流行", "摇滚", "民谣", "伤感")


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture
def slow_site():
    # A small per-request delay makes the crawl last long enough to be interrupted mid-way.
    site = LocalSite(synthetic_spec(N_SONGS, TERMS), delay=0.08)
    site.start()
    yield site
    site.stop()


def _args(site: LocalSite, out: Path, terms: Path) -> list[str]:
    return ["crawl", "--base-url", site.url, "--terms", str(terms), "--out", str(out), "--delay", "0", "--timeout", "5"]


@pytest.mark.slow  # 18 s for both signals: the default suite keeps to 10 minutes
@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_stopped_crawl_resumes_without_loss_or_duplicates(slow_site, tmp_path, stop_signal):
    terms = tmp_path / "terms.txt"
    terms.write_text("\n".join(TERMS) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    songs = out / "songs.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossmusim.cli.app", *_args(slow_site, out, terms)],
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _lines(songs) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(stop_signal)
    proc.wait(timeout=30)
    first = _lines(songs)
    assert 10 <= first < N_SONGS, f"the crawl was not stopped mid-way ({first} songs)"

    resumed = run_cli(*_args(slow_site, out, terms), "--resume")
    assert resumed.returncode == 0, resumed.stderr

    records = list(read_jsonl(songs))
    titles = sorted(r["title"] for r in records)
    assert titles == [f"合成歌曲{i:05d}" for i in range(N_SONGS)]  # all, once each
    stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
    assert stats["resumed"] and stats["songs_before"] == first and stats["songs_total"] == N_SONGS
    assert stats["search_pages_replayed"] >= 1  # read from the frontier, not fetched again
    item_hits = sum(n for path, n in slow_site.hits.items() if path.startswith("/item/"))
    assert item_hits <= N_SONGS + 1  # at most the one page in flight at the stop is fetched twice
    search_hits = [n for path, n in slow_site.hits.items() if path.startswith("/search/")]
    assert sum(search_hits) <= len(search_hits) + 1


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_resume_of_a_finished_crawl_fetches_no_item_again(site, tmp_path):
    from tests.crawlers.test_crawl import crawl

    out = tmp_path / "out"
    assert crawl(site, out).returncode == 0
    before = _lines(out / "songs.jsonl")
    site.reset()
    again = crawl(site, out, "--resume")
    assert again.returncode == 0, again.stderr
    assert _lines(out / "songs.jsonl") == before
    fetched = {p for p in site.hits if p.startswith("/item/")}
    assert fetched == {"/item/小幸运/1888"}  # only the JS page, whose emptiness is no final verdict


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_resume_keeps_run_history_and_log(site, tmp_path):
    from tests.crawlers.test_crawl import crawl

    out = tmp_path / "out"
    assert crawl(site, out, "--max-pages", "2").returncode == 0
    assert crawl(site, out, "--resume").returncode == 0
    runs = list(read_jsonl(out / ".crawl-state" / "runs.jsonl"))
    assert [r["resumed"] for r in runs] == [False, True]
    assert runs[1]["songs_before"] == runs[0]["songs_total"] and runs[1]["songs_total"] == 11
    log = (out / "crawl.log").read_text(encoding="utf-8")  # appended by both runs
    assert "Forbidden by robots.txt" in log and "challenge page (challenge_page)" in log


def test_corrupt_output_stops_resume_with_file_and_line(site, tmp_path):
    from tests.crawlers.test_crawl import crawl

    out = tmp_path / "out"
    assert crawl(site, out, "--max-pages", "3").returncode == 0
    lines = (out / "songs.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "{broken\n"
    (out / "songs.jsonl").write_text("".join(lines), encoding="utf-8")
    proc = crawl(site, out, "--resume")
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith(f"crossmusim: error: {out / 'songs.jsonl'}:2: not valid JSON")
    assert "fix or delete that line" in proc.stderr


@pytest.mark.slow
def test_a_large_crawl_killed_again_and_again_ends_with_every_song_once(tmp_path):
    """2,000 songs at 16 requests in flight, SIGKILLed three times mid-write, then resumed to the end."""
    n_songs = 2000
    terms = tmp_path / "terms.txt"
    terms.write_text("\n".join(TERMS) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    songs = out / "songs.jsonl"
    fast = [
        "-s",
        "CONCURRENT_REQUESTS=16",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        "AUTOTHROTTLE_ENABLED=false",
    ]
    with LocalSite(synthetic_spec(n_songs, TERMS)) as url:
        args = ["crawl", "--base-url", url, "--terms", str(terms), "--out", str(out), "--delay", "0", *fast]
        for kill_at in (300, 900, 1500):
            resume = ["--resume"] if songs.exists() else []
            proc = subprocess.Popen(
                [sys.executable, "-m", "crossmusim.cli.app", *args, *resume],
                cwd=REPO_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 120
            while _lines(songs) < kill_at and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            proc.kill()
            proc.wait(timeout=30)
            assert kill_at <= _lines(songs) < n_songs, f"not stopped mid-way at {kill_at}"
        finished = run_cli(*args, "--resume", timeout=300)
    assert finished.returncode == 0, finished.stderr
    titles = [r["title"] for r in read_jsonl(songs)]
    assert sorted(titles) == [f"合成歌曲{i:05d}" for i in range(n_songs)]  # all, once each
