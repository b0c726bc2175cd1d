"""Search result pages: the next page is found in every pager markup real sites use, and never a
previous-page link; a page with no pager is handled by the crawl's offset probe (test_pagination)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crossmusim.crawlers.parsing import search_page
from crossmusim.demo.site import PAGER_STYLES, SiteSpec, demo_site_dir, render_search_page

SPEC = SiteSpec.from_dir(demo_site_dir())
ENTRIES = [e for e in SPEC.entries if "流行" in e.terms]
BASE = "http://h/search/none?word=%E6%B5%81%E8%A1%8C&pn=1&rn=1"


@pytest.mark.parametrize("style", [s for s in PAGER_STYLES if s != "none"])
def test_each_pager_markup_leads_to_the_next_offset(style):
    # The middle page: every markup also links back, which must not be taken for "next".
    assert len(ENTRIES) >= 3
    html = render_search_page("流行", ENTRIES[1:2], 1, len(ENTRIES), 1, pager=style)
    page = search_page.parse_search_page(html, BASE)
    assert [h.title for h in page.hits] == [ENTRIES[1].title]
    assert page.next_url == "http://h/search/none?word=%E6%B5%81%E8%A1%8C&pn=2&rn=1&enc=utf8"


def test_a_page_without_pager_has_no_next_link():
    html = render_search_page("流行", ENTRIES[:1], 0, len(ENTRIES), 1, pager="none")
    assert search_page.parse_search_page(html, BASE).next_url is None


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<div id="page"><a href="/s?pn=10">下一页&gt;</a></div>', "/s?pn=10"),
        ('<div class="pages"><a href="/s?pn=10">下一頁</a></div>', "/s?pn=10"),  # Traditional
        ('<span><a href="/s?pn=10">下页</a></span>', "/s?pn=10"),
        ('<head><link rel="next" href="/s?pn=10"></head>', "/s?pn=10"),
        ('<a class="btn next" href="/s?pn=10"><i class="icon"></i></a>', "/s?pn=10"),
        ('<a class="n" href="/s?pn=0">&lt;上一页</a>', None),  # Baidu's class n, backwards
        ('<a href="/s?pn=0">上一页</a><a href="#">下一页</a>', None),  # a dead link is no next page
        ('<a href="javascript:void(0)">下一页</a>', None),
    ],
)
def test_next_link_markups(markup, expected):
    assert search_page.next_page_href(Selector(text=f"<html><body>{markup}</body></html>")) == expected
