from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crossmusim.crawlers.config import CrawlConfig
from crossmusim.crawlers.middlewares import SuccessOnlyCachePolicy
from crossmusim.crawlers.settings import build_settings
from crossmusim.crawlers.terms import CATEGORIES, builtin_terms, load_terms
from crossmusim.demo.site import demo_site_dir
from crossmusim.errors import InputFormatError
from crossmusim.retrying import retry_after_seconds


def test_defaults_are_polite(tmp_path):
    s = build_settings(CrawlConfig(out_dir=tmp_path, terms=[]))
    assert s["ROBOTSTXT_OBEY"] is True
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert s["DOWNLOAD_DELAY"] == 1.0 and s["AUTOTHROTTLE_ENABLED"] is True
    assert s["USER_AGENT"].startswith("crossmusim/") and "+https://" in s["USER_AGENT"]
    assert 429 in s["RETRY_HTTP_CODES"] and 503 in s["RETRY_HTTP_CODES"]
    assert "HTTPCACHE_ENABLED" not in s  # opt-in


def test_cache_and_render_settings(tmp_path):
    s = build_settings(
        CrawlConfig(out_dir=tmp_path, terms=[], cache=True, render_js=True, chromium_path="/usr/bin/chromium")
    )
    assert s["HTTPCACHE_ENABLED"] and s["HTTPCACHE_POLICY"].endswith("SuccessOnlyCachePolicy")
    assert s["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == "/usr/bin/chromium"
    assert s["DOWNLOAD_HANDLERS"]["https"].endswith("ScrapyPlaywrightDownloadHandler")


def test_retry_after_in_seconds_and_http_date():
    assert retry_after_seconds(b"7") == 7.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(header, now=now.timestamp()) == pytest.approx(30)
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def _response(status: int, body: str) -> HtmlResponse:
    return HtmlResponse("http://h/item/a/1", status=status, body=body.encode(), encoding="utf-8")


def test_cache_policy_stores_only_real_pages():
    policy = SuccessOnlyCachePolicy(Settings())
    request = Request("http://h/item/a/1")
    page = (demo_site_dir() / "pages" / "qingtian.html").read_text(encoding="utf-8")
    challenge = (demo_site_dir() / "challenge.html").read_text(encoding="utf-8")
    assert policy.should_cache_response(_response(200, page), request)
    assert not policy.should_cache_response(_response(200, challenge), request)
    assert not policy.should_cache_response(_response(500, page), request)
    assert not policy.should_cache_response(_response(429, ""), request)


def test_builtin_terms_cover_every_category():
    terms = builtin_terms()
    assert {t.category for t in terms} == set(CATEGORIES)
    assert all(t.gloss for t in terms)
    by_term = {t.term: t.category for t in terms}
    assert by_term["流行"] == "genre" and by_term["粤语"] == "language" and by_term["浑厚"] == "timbre"


def test_user_terms_file_plain_and_categorised(tmp_path):
    path = Path(tmp_path / "terms.txt")
    path.write_text("# mine\n电音\nmood\t悲伤\ninstrument\t古筝\n电音\n", encoding="utf-8")
    assert [(t.category, t.term) for t in load_terms(path)] == [
        ("custom", "电音"),
        ("mood", "悲伤"),
        ("instrument", "古筝"),
    ]


def test_bad_terms_files(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a\tb\tc\td\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"bad\.txt:1: expected 'term' or 'category<TAB>term'"):
        load_terms(path)
    path.write_bytes("流行\n".encode("gbk"))  # Excel on Chinese Windows: read in its encoding
    assert [t.term for t in load_terms(path)] == ["流行"]
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputFormatError, match=r"bad\.txt: is not UTF-8, GB18030 or Big5 text"):
        load_terms(path)


def test_a_shared_crawl_sends_through_its_own_handlers_on_the_clusters_turns(tmp_path):
    pytest.importorskip("scrapy_redis", reason='the shared crawl needs pip install "crossmusim[cluster]"')
    shared = {"out_dir": tmp_path, "terms": [], "redis_url": "redis://127.0.0.1:1/0"}
    s = build_settings(CrawlConfig(**shared))
    assert s["DOWNLOAD_HANDLERS"]["http"].endswith("rate.SharedRateHttpHandler")
    assert s["CROSSMUSIM_CLUSTER_DOWNLOAD_HANDLERS"]["https"].endswith("http11.HTTP11DownloadHandler")
    mine = "my.handlers.Proxied"  # a user's own handler, given with -s after everything else
    s = build_settings(CrawlConfig(**shared, extra_settings={"DOWNLOAD_HANDLERS": {"https": mine}}))
    assert s["DOWNLOAD_HANDLERS"]["https"].endswith("rate.SharedRateHttpsHandler")  # wrapped, not bypassed
    assert s["CROSSMUSIM_CLUSTER_DOWNLOAD_HANDLERS"] == {
        "http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
        "https": mine,
    }
    assert "CROSSMUSIM_CLUSTER_DOWNLOAD_HANDLERS" not in build_settings(CrawlConfig(out_dir=tmp_path, terms=[]))
