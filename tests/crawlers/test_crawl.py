"""End-to-end: the real `crossmusim crawl` against the real loopback site, asserting exact records."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path

import pytest

from crossmusim.crawlers.terms import load_terms
from crossmusim.demo.site import demo_terms_file
from crossmusim.io import read_jsonl
from tests.conftest import FIXTURES, run_cli
from tests.fixtures.golden.regenerate import golden_name

# Fast waits: the server is ours; the retry/backoff logic is the real one.
FAST = ["--delay", "0", "--timeout", "1", "--retry-backoff", "0.2", "--block-backoff", "0.2"]
EXPECTED_SONGS = {
    "/item/晴天/3053",
    "/item/稻香/7890",
    "/item/后来/3421",
    "/item/光輝歲月/1160",
    "/item/海阔天空/8466",
    "/item/童年/2536",
    "/item/平凡之路/1339",
    "/item/夜曲/6633",
    "/item/安静/2024",
    "/item/红豆/4417",
    "/item/七里香/1520",
}


def crawl(site, out: Path, *extra: str, terms: Path | None = None):
    return run_cli(
        "crawl", "--base-url", site.url, "--terms", str(terms or demo_terms_file()), "--out", str(out), *FAST, *extra
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, _site_server):
    """One full crawl of the demo site, shared by the assertions below."""
    _site_server.reset()
    out = tmp_path_factory.mktemp("crawl")
    proc = crawl(_site_server, out)
    assert proc.returncode == 0, proc.stderr
    return out, proc, dict(_site_server.hits)


def test_every_song_exactly_once_with_its_golden_fields(crawled):
    out, _, _ = crawled
    records = list(read_jsonl(out / "songs.jsonl"))
    keys = [r["canonical_url"] for r in records]
    assert len(keys) == len(set(keys)) == len(EXPECTED_SONGS)
    terms = {t.term: t.category for t in load_terms(demo_terms_file())}
    for record in records:
        path = "/item/" + "/".join(_decoded(record["canonical_url"]).split("/")[-2:])
        assert path in EXPECTED_SONGS
        golden = json.loads((FIXTURES / "golden" / golden_name(path)).read_text(encoding="utf-8"))
        provenance = record.pop("provenance")
        assert record.pop("fetched_at").endswith("+00:00")
        assert record.pop("url").startswith("http://127.0.0.1:")
        assert record == golden
        assert terms[provenance["query_term"]] == provenance["query_category"]
        assert "/search/none?word=" in provenance["search_url"]


def _decoded(url: str) -> str:
    from urllib.parse import unquote

    return unquote(url)


def test_stats_count_every_outcome(crawled):
    out, proc, _ = crawled
    stats = json.loads((out / "crawl-stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "finished"
    assert stats["items"] == stats["songs_total"] == 11
    assert stats["skipped"] == {"empty_page": 1, "not_song": 1}  # JS shell, the novel 童年
    assert stats["text_unassigned"] == 0  # every content paragraph of the site went into some field
    assert stats["robots_forbidden"] == 1 and stats["offsite_refused"] == 1
    assert stats["blocked"] == 1 and stats["blocked_by_reason"] == {"challenge_page": 1}
    assert stats["retries"] == 3 and stats["throttled"] == 1
    assert set(stats["retry_reasons"]) == {
        "429 Unknown Status",
        "500 Internal Server Error",
        "scrapy.exceptions.DownloadTimeoutError",
    }
    assert stats["http_status"]["429"] == 1 and stats["http_status"]["500"] == 1
    assert stats["search_pages"] == 11  # 8 terms, 3 of them with a second page
    assert stats["duration_s"] > 0
    assert "crawl finished: 11 new songs" in proc.stdout


def test_politeness_and_recovery_seen_from_the_server(crawled):
    _, _, hits = crawled
    assert hits.get("/item/Forbidden Song/9009", 0) == 0  # robots.txt obeyed
    assert hits["/robots.txt"] == 1
    assert hits["/item/晴天/3053"] == 1  # found by two queries, fetched once
    assert hits["/item/海阔天空/8466"] == 1  # absolute link to the real host, fetched from the mirror
    for faulty in ("/item/夜曲/6633", "/item/稻香/7890", "/item/平凡之路/1339", "/item/安静/2024"):
        assert hits[faulty] == 2, faulty  # one failure (500, 429, timeout, challenge), one success
    assert hits["/item/七里香"] == 1 and hits["/item/七里香/1520"] == 1  # redirect followed


def test_identifying_user_agent_reaches_the_server(site, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("清亮\n", encoding="utf-8")
    proc = crawl(site, tmp_path / "out", "--user-agent", "lab-crawler/1.0 (me@example.org)", terms=terms)
    assert proc.returncode == 0, proc.stderr
    assert site.user_agents == {"lab-crawler/1.0 (me@example.org)"}


def test_max_pages_bounds_item_fetches(site, tmp_path):
    proc = crawl(site, tmp_path / "out", "--max-pages", "3")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "out" / "crawl-stats.json").read_text(encoding="utf-8"))
    # The site has 16 item pages: exactly the bound is requested (robots.txt may refuse one of them).
    assert stats["item_pages"] + stats["robots_forbidden"] == 3 and stats["item_pages"] >= 1
    assert sum(n for p, n in site.hits.items() if p.startswith("/item/")) <= 3 + 4  # + retries


def test_existing_output_needs_resume(site, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "songs.jsonl").write_text('{"title": "x", "canonical_url": "c", "url": "u"}\n', encoding="utf-8")
    proc = crawl(site, out)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"crossmusim: error: {out / 'songs.jsonl'} already holds a crawl: add --resume to continue it, "
        "or choose another --out"
    ]


def test_cache_keeps_only_real_pages(site, tmp_path):
    out = tmp_path / "out"
    proc = crawl(site, out, "--cache")
    assert proc.returncode == 0, proc.stderr
    metas = list((out / ".crawl-state" / "httpcache").rglob("pickled_meta"))
    assert len(metas) >= 20
    statuses = {pickle.loads(gzip.decompress(m.read_bytes()))["status"] for m in metas}
    assert statuses == {200}  # no 429, 500 or 302
    bodies = [gzip.decompress(m.with_name("response_body").read_bytes()) for m in metas]
    assert not any("百度安全验证".encode() in body for body in bodies)  # no challenge page


def test_retry_after_is_honoured_and_the_crawl_pauses(site, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("流行\n", encoding="utf-8")
    proc = crawl(site, tmp_path / "out", terms=terms)
    assert proc.returncode == 0, proc.stderr
    times = [t for t, key in site.log if key == "/item/稻香/7890"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95  # Retry-After: 1
    # The whole crawl waits, not only the throttled page: nothing else starts during the pause.
    during = [key for t, key in site.log if times[0] + 0.2 < t < times[0] + 0.9]
    assert during == []


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_scrapy_settings_pass_through(site, tmp_path):
    proc = crawl(site, tmp_path / "out", "-s", "ROBOTSTXT_OBEY=false", "-s", "USER_AGENT=via-set")
    assert proc.returncode == 0, proc.stderr
    assert site.hits["/item/Forbidden Song/9009"] == 1 and site.user_agents == {"via-set"}
    bad = crawl(site, tmp_path / "out2", "-s", "NOEQUALS")
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        "crossmusim: error: --set 'NOEQUALS': expected KEY=VALUE, e.g. --set DOWNLOAD_DELAY=2"
    )
