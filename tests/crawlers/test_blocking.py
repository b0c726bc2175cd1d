"""Persistent blocking: the crawl backs off, then stops cleanly (exit 3) with its output intact."""

from __future__ import annotations

import json

import pytest

from crossmusim.demo.site import LocalSite
from crossmusim.io import read_jsonl
from tests.crawlers.test_crawl import crawl


@pytest.mark.parametrize("captcha_redirect", [False, True], ids=["challenge-page", "captcha-redirect"])
def test_persistent_blocking_stops_cleanly_keeping_the_harvest(demo_spec, tmp_path, captcha_redirect):
    site = LocalSite(demo_spec, block_after=16, captcha_redirect=captcha_redirect)
    site.start()
    try:
        out = tmp_path / "out"
        proc = crawl(site, out, "--max-blocked", "3")
    finally:
        site.stop()
    assert proc.returncode == 3, proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("crossmusim: crawl stopped: the site kept answering with challenge pages")
    assert "rerun with --resume" in message
    stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "blocked"
    reason = "captcha_redirect" if captcha_redirect else "challenge_page"
    assert stats["blocked_by_reason"][reason] >= 3
    songs = list(read_jsonl(out / "songs.jsonl"))
    assert len(songs) == stats["songs_total"] == stats["items"] >= 1
    assert all(s["title"] and s["artists"] for s in songs)  # no challenge page parsed as a song
