"""Pages read whole or not at all: no content dropped by the parser, no record from a page not understood,
and the "More Articles" control whose link is the page itself taken for what it is."""

from __future__ import annotations

import logging

import pytest
import pytest_twisted
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from tests.conftest import COOKIES, SAMPLE_ORIGIN, SAMPLE_SITE, comparable, crawl, expected_records, read_jsonl, serve
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.finish_reasons import LAYOUT_BROKEN
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.parsing import html_selector, page_selector
from vok_crawler.site.slices import parse_slice

LISTING = "/article/163/"
CERAMIC = "/newstream/1771280000-381500825/ceramic-tea-set/"
SALT = "/newstream/1771366400-381500826/successes-registered-in-salt-production/"
DEPTH = 10_000
CRAWLED_AT = "2026-11-23T12:00:00Z"
SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
FIRST_SLICE = f"{SAMPLE_ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=12&sort=&id=190163"


def nested(html: str, depth: int) -> str:
    """``html`` with its article's content wrapped in ``depth`` elements."""
    opened = html.replace('<div class="article-content">', "<div>" * depth + '<div class="article-content">', 1)
    return opened.replace("</main>", "</div>" * depth + "</main>", 1)


@pytest.mark.parametrize("depth", [100, 3_000, DEPTH])
def test_a_page_nested_deeper_than_libxml2_reads_is_read_whole(depth):
    url = SAMPLE_ORIGIN + CERAMIC
    html = (SAMPLE_SITE / CERAMIC.strip("/") / "index.html").read_text(encoding="utf-8")
    response = HtmlResponse(url, body=nested(html, depth).encode(), encoding="utf-8")
    page = ArticlePage(page_selector(response), url, SAMPLE_ORIGIN)
    record = ItemAdapter(page.to_item(CRAWLED_AT).value).asdict()
    assert record == expected_records()[url]
    assert page_selector(response) is page_selector(response)  # parsed once per response


def test_a_shallow_page_is_parsed_by_lxml_and_an_empty_one_is_an_empty_page():
    assert html_selector("<p>one</p>").xpath("//p/text()").get() == "one"
    assert html_selector("").xpath("//body").get() is None


@pytest_twisted.inlineCallbacks
def test_an_article_nested_10000_deep_is_crawled_into_its_full_record(tmp_path):
    site = FaultySite(
        SAMPLE_SITE,
        rewrite=[
            (CERAMIC, b'<div class="article-content">', b"<div>" * DEPTH + b'<div class="article-content">'),
            (CERAMIC, b"</main>", b"</div>" * DEPTH + b"</main>"),
        ],
    )
    with serve(site) as origin:
        corpus = tmp_path / "vok.jsonl"
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    records = {record["url"]: record for record in read_jsonl(corpus)}
    assert records[origin + CERAMIC]["body"]
    assert comparable(records.values()) == comparable(expected_records(origin).values())


@pytest_twisted.inlineCallbacks
def test_a_page_not_understood_gives_no_record_is_counted_kept_pending_and_read_by_the_next_run(tmp_path, caplog):
    # One article's title and body element renamed beyond every rule; another's body a photo alone.
    site = FaultySite(
        SAMPLE_SITE,
        rewrite=[
            (CERAMIC, b"article-content", b"post-text"),
            (
                SALT,
                b'<div class="article-content">',
                b'<div class="article-content"><p><img src="/p.jpg"></p></div><div>',
            ),
        ],
    )
    with serve(site) as origin:
        corpus = tmp_path / "vok.jsonl"
        with caplog.at_level(logging.WARNING):
            crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
        assert crawler.stats.get_value("finish_reason") == LAYOUT_BROKEN
        assert crawler.stats.get_value(stats.PAGES_NOT_UNDERSTOOD) == 1
        assert f"Could not read {origin}{CERAMIC} as an article (no body element found by any rule)" in caplog.text
        records = {record["url"]: record for record in read_jsonl(corpus)}
        assert origin + CERAMIC not in records
        assert records[origin + SALT]["body"] == ""  # a photo-only article is an article
        state = corpus.with_name("vok.state.json").read_text()
        assert origin + CERAMIC in state and '"complete": false' in state
        site.rewrite.clear()  # the rules are fixed (here: the page is as they expect)
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert read_jsonl(corpus)[-1]["url"] == origin + CERAMIC
    assert len(read_jsonl(corpus)) == len(expected_records())


def test_a_page_without_title_by_any_rule_is_not_understood():
    url = SAMPLE_ORIGIN + CERAMIC
    html = (SAMPLE_SITE / CERAMIC.strip("/") / "index.html").read_text(encoding="utf-8")
    for old in ("article-title", "og:title", "<title>"):
        html = html.replace(old, "x-" + old.strip("<>") if old != "<title>" else "<x-title>")
    page = ArticlePage(html_selector(html, url), url, SAMPLE_ORIGIN)
    assert page.not_understood() == "no title found by any rule"


def control_of(html: str, url: str):
    return SitePage(html_selector(html, url), url, SAMPLE_ORIGIN).more_articles().value


def test_a_control_whose_href_is_its_own_page_is_no_href_but_its_data_still_counts():
    listing = f"{SAMPLE_ORIGIN}{LISTING}"
    button = '<a class="more-articles" href="{href}" data-from="12" data-to="12" data-id="190163">More</a>'
    for href in ("#", "/article/163/#", listing):
        control = control_of(button.format(href=href), listing)
        assert (control.href, control.route, control.source_id, control.start) == (None, "data", "190163", 12)
    # A slice whose link is its own URL: no href; its id is still found in that link.
    own = control_of(f'<a class="more-articles" href="{FIRST_SLICE}">More</a>', FIRST_SLICE)
    assert (own.href, own.route, own.source_id) == (None, "script", "190163")


def test_a_more_full_link_is_a_control():
    listing = f"{SAMPLE_ORIGIN}{LISTING}"
    link = f'<a class="more-full-link" href="{FIRST_SLICE}">More Articles</a>'
    found = control_of(link, listing)
    assert found.route == "href" and parse_slice(found.href or "") == parse_slice(FIRST_SLICE)
    data = '<a class="more-full-link" href="#" data-from="12" data-to="12" data-id="190163">More Articles</a>'
    assert control_of(data, listing).route == "data"
