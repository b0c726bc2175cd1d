"""`crossmusim parse-page`: the crawl's verdict and record for one page, from a file or a URL."""

from __future__ import annotations

import importlib.util
import json
import shutil
from urllib.parse import quote

import pytest

from crossmusim.demo.site import demo_site_dir
from tests.conftest import FIXTURES, run_cli

PAGES = demo_site_dir() / "pages"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def parse_page(*args: str) -> dict:
    proc = run_cli("parse-page", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_saved_song_page_gives_its_golden_record_and_every_section():
    report = parse_page(str(PAGES / "qingtian.html"), "--url", "http://127.0.0.1:8000/item/晴天/3053")
    assert report["verdict"] == "song" and report["reason"].startswith("category ")
    golden = json.loads((FIXTURES / "golden" / "item_晴天_3053.json").read_text(encoding="utf-8"))
    record = report["record"]
    assert {k: v for k, v in record.items() if k in golden} == golden
    # Every section by heading, also those that became fields (创作背景 -> background).
    assert record["all_sections"]["创作背景"] == record["background"]
    assert set(record["sections"]) < set(record["all_sections"])


def test_a_non_song_is_parsed_too_and_says_why():
    report = parse_page(str(PAGES / "tongnian-novel.html"), "--url", "http://h/item/童年/5430")
    assert report["verdict"] == "not_song" and report["record"]["title"] == "童年"
    assert report["reason"] == "no song category and no song infobox key (categories: 文学作品, 小说)"


def test_a_challenge_page_is_blocked_and_a_script_shell_is_empty():
    assert parse_page(str(demo_site_dir() / "challenge.html"))["verdict"] == "blocked"
    report = parse_page(str(PAGES / "xiaoxingyun.html"))
    assert report["verdict"] == "empty_page" and "--render js" in report["reason"]


def test_a_url_is_fetched_politely(site):
    report = parse_page(f"{site.url}/item/{quote('后来')}/3421")
    assert report["verdict"] == "song" and report["record"]["title"] == "后来"
    assert site.hits["/robots.txt"] >= 1  # asked first
    assert any("crossmusim/" in agent for agent in site.user_agents)


def test_robots_txt_is_obeyed_for_urls(site):
    proc = run_cli("parse-page", f"{site.url}/item/{quote('Forbidden Song')}/9009")
    assert proc.returncode == 1 and "Forbidden Song" not in "".join(site.hits)
    assert proc.stderr.strip().startswith("crossmusim: error: robots.txt of 127.0.0.1:")


def test_bad_sources_are_one_line_errors(tmp_path):
    proc = run_cli("parse-page", str(tmp_path / "missing.html"))
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == f"crossmusim: error: {tmp_path / 'missing.html'}: no such file (give a saved page or an http(s) URL)"
    )
    proc = run_cli("parse-page", "http://127.0.0.1:9/item/x")
    assert proc.returncode == 1 and proc.stderr.startswith("crossmusim: error: cannot reach http://127.0.0.1:9")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (Debian: apt-get install chromium)")
@pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason='pip install "crossmusim[render]"')
def test_render_js_turns_a_script_shell_into_a_song(site):
    url = f"{site.url}/item/{quote('小幸运')}/1888"
    report = parse_page(url, "--render", "js", "--chromium", CHROMIUM)
    assert report["verdict"] == "song" and report["record"]["title"] == "小幸运"
