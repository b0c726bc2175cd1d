"""`--render js`: item pages go through scrapy-playwright and a system Chromium."""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

from crossmusim.io import read_jsonl
from tests.crawlers.test_crawl import crawl

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (Debian: apt-get install chromium)"),
    pytest.mark.skipif(
        importlib.util.find_spec("scrapy_playwright") is None,
        reason='scrapy-playwright missing: pip install "crossmusim[render]"',
    ),
]


def test_javascript_built_page_parses_once_rendered(site, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("mood\t浪漫\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = crawl(site, out, "--render", "js", "--chromium", CHROMIUM, "--timeout", "20", terms=terms)
    assert proc.returncode == 0, proc.stderr
    songs = {s["title"]: s for s in read_jsonl(out / "songs.jsonl")}
    assert set(songs) == {"晴天", "红豆", "小幸运", "七里香"}
    rendered = songs["小幸运"]
    assert rendered["artists"] == ["田馥甄"] and rendered["lyricists"] == ["徐世珍", "吴辉福"]
    assert rendered["release_date"] == "2015-07-31" and rendered["duration_s"] == 265
    assert rendered["review"].startswith("歌曲以钢琴和弦乐伴奏")
    assert songs["晴天"]["album"] == "叶惠美"  # ordinary pages parse the same when rendered


@pytest.mark.slow  # a browser and a Redis server; the default suite keeps under 10 minutes
def test_a_cluster_worker_renders_pages_through_the_shared_rate(site, redis_url, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("mood\t浪漫\n", encoding="utf-8")
    out = tmp_path / "out"
    shared = ["--redis-url", redis_url, "--redis-key", "rendered", "--delay", "0.2"]
    proc = crawl(site, out, "--render", "js", "--chromium", CHROMIUM, "--timeout", "20", *shared, terms=terms)
    assert proc.returncode == 0, proc.stderr
    songs = {s["title"]: s for s in read_jsonl(out / "songs.jsonl")}
    assert songs["小幸运"]["review"].startswith("歌曲以钢琴和弦乐伴奏")  # rendered by the wrapped Chromium handler
    stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
    assert stats["cluster"]["rate_turns"] >= stats["pages_fetched"] > 0  # each sent on one of the cluster's turns
