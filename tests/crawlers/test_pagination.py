"""Pagination never stops silently: every pager markup is followed, a full page without a next link
is followed by trying the next offset, and crawl-stats.json says why each term's search ended."""

from __future__ import annotations

import dataclasses
import json

import pytest

from crossmusim.demo.site import LocalSite
from crossmusim.io import read_jsonl
from crossmusim.testing.synthetic_site import synthetic_spec
from tests.conftest import run_cli

FAST = ["--delay", "0", "--timeout", "2", "--retry-backoff", "0.1"]


def _crawl(tmp_path, pager: str, n_songs: int, *extra: str):
    terms = tmp_path / "terms.txt"
    terms.write_text("流行\n没有的词\n", encoding="utf-8")  # one term with songs, one with no result
    spec = dataclasses.replace(synthetic_spec(n_songs, ["流行"]), pager=pager)
    out = tmp_path / "out"
    with LocalSite(spec) as url:
        proc = run_cli("crawl", "--base-url", url, "--terms", str(terms), "--out", str(out), *FAST, *extra)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
    return proc, stats, [r["title"] for r in read_jsonl(out / "songs.jsonl")]


@pytest.mark.parametrize("pager", ["classic", "baidu", "rel", "arrow"])
def test_every_pager_markup_is_followed_to_the_last_page(tmp_path, pager):
    _, stats, titles = _crawl(tmp_path, pager, 35)
    assert sorted(titles) == [f"合成歌曲{i:05d}" for i in range(35)]
    assert stats["search_pages"] == 4 + 1  # pages at offsets 0, 10, 20, 30, and the empty term
    assert stats["search_ended"] == {"last_page": 1, "no_results": 1}
    assert stats["search_full_pages_without_next_link"] == 0


def test_full_pages_without_a_pager_are_followed_by_offset(tmp_path):
    proc, stats, titles = _crawl(tmp_path, "none", 30)
    assert sorted(titles) == [f"合成歌曲{i:05d}" for i in range(30)]
    # Offsets 0, 10, 20 are full pages with no next link; 30 is tried and comes back empty.
    assert stats["search_pages"] == 4 + 1
    assert stats["search_ended"] == {"offset_probe_empty": 1, "no_results": 1}
    assert stats["search_full_pages_without_next_link"] == 3
    assert proc.stderr.count("but no next-page link we recognise; trying the next offset") == 3


def test_a_short_page_without_a_pager_ends_the_search(tmp_path):
    _, stats, titles = _crawl(tmp_path, "none", 25)
    assert len(titles) == 25 and stats["search_ended"] == {"last_page": 1, "no_results": 1}


def test_max_pages_is_named_as_the_reason(tmp_path):
    _, stats, titles = _crawl(tmp_path, "classic", 35, "--max-pages", "5")
    assert len(titles) == 5 and stats["search_ended"] == {"max_pages": 1, "no_results": 1}
