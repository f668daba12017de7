"""Routing: what the spider follows and what it refuses, from saved responses."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from tests.conftest import SAMPLE_SITE
from vok_crawler.crawl.memory import CrawlMemory
from vok_crawler.crawl.refusals import BanWatch
from vok_crawler.crawl.spiders.vok import DEFAULT_START_URL, VokSpider, not_before
from vok_crawler.errors import BadConfiguration
from vok_crawler.items import Article, Teaser
from vok_crawler.site.parsing import page_selector
from vok_crawler.site.slices import Slice, parse_slice

ORIGIN = "http://127.0.0.1:8163"
FIRST_SLICE = f"{ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=190163&sort=&to=24"


def spider(**kwargs) -> VokSpider:
    """The spider as a crawl opens it, with a memory of no corpus (nothing known)."""
    settings = {**get_project_settings().copy_to_dict(), "EXTENSIONS": {}, "VOK_CORPUS": ""}  # no corpus: made below
    crawler = get_crawler(VokSpider, settings_dict=settings)
    crawler.stats.open_spider()
    vok = VokSpider.from_crawler(crawler, **kwargs)
    crawler.spider = vok
    vok.memory = CrawlMemory(crawler, vok.crawl_context)
    vok.bans = BanWatch(crawler)
    return vok


def sample_response(path: str, query: str = "") -> HtmlResponse:
    """A sample page as the sample server would send it from ``ORIGIN``."""
    file = SAMPLE_SITE / path.strip("/") / "index.html"
    body = (
        file.read_bytes()
        .replace(b"https://kcnawatch.org", ORIGIN.encode())
        .replace(b"//kcnawatch.org", b"//127.0.0.1:8163")
    )
    return answer(HtmlResponse, f"{ORIGIN}{path}{query}", body=body, encoding="utf-8")


def answer(cls, url: str, **kwargs) -> Response:
    """A response as the engine hands it to a callback: tied to its request."""
    return cls(url, request=scrapy.Request(url), **kwargs)


def test_defaults_to_the_live_listing_and_accepts_scrapyd_arguments():
    vok = spider(_job="abc123", setting="x")
    assert vok.start_url == DEFAULT_START_URL
    assert vok._job == "abc123"
    assert not hasattr(vok, "allowed_domains")  # "on the site" is one rule: urls.is_on_site


def test_start_url_is_made_canonical_and_must_be_a_web_url():
    assert spider(start_url=f"{ORIGIN}/article/163?utm_source=x").start_url == f"{ORIGIN}/article/163/"
    with pytest.raises(BadConfiguration, match="start_url"):
        spider(start_url="ftp://127.0.0.1/")
    with pytest.raises(BadConfiguration, match="source_id"):
        spider(source_id="vok")


def test_listing_follows_teasers_then_slices_each_once_and_only_on_the_site():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    requests = list(vok.parse_listing(sample_response("/article/163/")))
    assert all(isinstance(request, scrapy.Request) for request in requests)
    urls = [request.url for request in requests]
    assert len(urls) == len(set(urls)) == 13
    assert all(url.startswith(ORIGIN) for url in urls)
    assert [r.callback.__name__ for r in requests] == ["parse_article"] * 12 + ["parse_listing"]
    assert urls[-1] == FIRST_SLICE  # built from the button's data: the listing has no slice link
    assert f"{ORIGIN}/newstream/1772700000-381500840/sidebar-only-report/" not in urls
    assert list(vok.parse_listing(sample_response("/article/163/"))) == []  # all requested already
    assert vok.crawler.stats.get_value("vok/pagination/route/data") == 2


def test_an_article_yields_its_record_then_its_related_pages_then_the_first_slice():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    path = "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/"
    results = list(vok.parse_article(sample_response(path)))
    assert isinstance(results[0], Article) and results[0].url == f"{ORIGIN}{path}"
    followed = [r.url.removeprefix(ORIGIN) for r in results[1:]]
    assert len(followed) == len(set(followed)) == len(results[0].related) + 1  # its own link is no request
    assert "/newstream/1770000000-381500800/withdrawn-report/" in followed  # kept, and asked for
    assert parse_slice(results[-1].url) == Slice("190163", 12, 12)  # the article's own link to the first slice


def test_an_answer_looked_at_and_read_is_parsed_once_and_freed_without_the_garbage_collector():
    """The bot-check look and the article's reading share one tree, and nothing of it lives in a reference cycle.

    A tree kept by a cycle (Scrapy's own ``response.selector``, a page object
    holding a closure over itself) lives until the collector's next full pass:
    at 16 requests in flight, a hundred trees, 50 MB.
    """
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    response = sample_response("/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/")
    gc.disable()
    try:
        assert vok.bans.process_response(response.request, response) is response
        tree = weakref.ref(page_selector(response))
        results = list(vok.parse_article(response))
        assert isinstance(results[0], Article)
        assert tree() is page_selector(response)  # the spider read the tree the bot-check look made
        answer = weakref.ref(response)
        del response, results
        assert answer() is None and tree() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_a_gated_article_gives_no_record_and_is_remembered():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    path = "/newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry/"
    gated = answer(
        HtmlResponse,
        f"{ORIGIN}{path}",
        body=(SAMPLE_SITE / path.strip("/") / "gated.html").read_bytes(),
        encoding="utf-8",
    )
    assert list(vok.parse_article(gated)) == []
    assert vok.memory.ledger.gated == {f"{ORIGIN}{path}"}
    assert vok.crawler.stats.get_value("vok/gated") == 1


def test_a_page_that_is_no_article_listing_or_gate_stays_pending_and_counts_as_a_refusal(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    url = f"{ORIGIN}/newstream/1771280000-381500825/ceramic-tea-set/"
    busy = answer(
        HtmlResponse,
        url,
        body=b"<html><body><h1>Server busy</h1><p>Please try again later.</p></body></html>",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        assert list(vok.parse_article(busy)) == []
    assert "Unrecognized page" in caplog.text
    assert url in vok.memory.ledger.pending and url not in vok.memory.ledger.skipped
    assert vok.crawler.stats.get_value("vok/refusals") == 1


def test_a_page_of_another_source_is_skipped_with_a_log_line_and_a_count(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    with caplog.at_level(logging.INFO):
        assert (
            list(vok.parse_article(sample_response("/newstream/1772300000-990010/kcna-commentary-on-sanctions/"))) == []
        )
    assert "source is 'KCNA (EN)'" in caplog.text
    assert vok.crawler.stats.get_value("vok/skipped/other_source") == 1


def test_a_response_that_is_not_html_is_skipped_not_a_crash(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    binary = answer(Response, f"{ORIGIN}/article/163/", body=b"\x89PNG", headers={"Content-Type": "image/png"})
    with caplog.at_level(logging.WARNING):
        assert list(vok.parse_listing(binary)) == []
        assert list(vok.parse_article(binary)) == []
    assert "not an HTML page" in caplog.text
    assert vok.crawler.stats.get_value("vok/skipped/not_html") == 2


def test_the_start_page_is_routed_by_its_markup_not_its_url():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    article = sample_response("/newstream/1771280000-381500825/ceramic-tea-set/")
    listing = sample_response("/article/163/")
    assert isinstance(next(iter(vok.parse(article))), Article)
    assert all(isinstance(result, scrapy.Request) for result in vok.parse(listing))


@pytest.mark.parametrize("body", [b"", b"0", b"  \n"])
def test_an_empty_slice_past_the_end_is_nothing_to_do(caplog, body):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    vok.memory.walk.slices_with_teasers = 1
    empty = answer(
        HtmlResponse, f"{ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&from=36&to=48&id=190163", body=body
    )
    with caplog.at_level(logging.WARNING):
        assert list(vok.parse(empty)) == []
    assert not caplog.text
    assert not vok.memory.walk.failed_pages and vok.memory.walk.pagination_stuck is None


def test_an_empty_first_slice_of_a_full_walk_is_a_walk_that_cannot_go_on():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    empty = answer(HtmlResponse, FIRST_SLICE, body=b"")
    assert list(vok.parse(empty)) == []
    assert "held no teaser" in (vok.memory.walk.pagination_stuck or "")


def test_a_listing_without_any_way_to_the_next_slice_is_a_walk_that_cannot_go_on():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    listing = sample_response("/article/163/")
    listing = listing.replace(body=listing.body.replace(b'data-id="190163"', b"").replace(b'data-from="12"', b""))
    requests = list(vok.parse_listing(listing))
    assert all(r.callback == vok.parse_article for r in requests)
    assert "-a source_id=K" in (vok.memory.walk.pagination_stuck or "")
    given = spider(start_url=f"{ORIGIN}/article/163/", source_id="190163")
    assert list(given.parse_listing(listing))[-1].url == FIRST_SLICE and given.memory.walk.pagination_stuck is None


def test_links_to_another_host_are_never_requested():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    listing = sample_response("/article/163/")
    elsewhere = listing.body.replace(
        b"http://127.0.0.1:8163/newstream/1772640000-381500835/",
        b"http://localhost:8163/newstream/1772640000-381500835/",
    )
    urls = [request.url for request in vok.parse_listing(listing.replace(body=elsewhere))]
    assert len(urls) == 12  # 11 teasers on the site, and the first slice
    assert not [url for url in urls if "localhost" in url]


def test_a_slice_behind_the_gate_or_not_html_leaves_the_walk_incomplete():
    from twisted.python.failure import Failure

    from vok_crawler.crawl.failures import GatedRedirect

    vok = spider(start_url=f"{ORIGIN}/article/163/")
    request = scrapy.Request(FIRST_SLICE, callback=vok.parse_listing, errback=vok.on_error)
    failure = Failure(GatedRedirect("redirect to the NK Pro gate"))
    failure.request = request  # as Scrapy hands it to an errback
    vok.on_error(failure)
    assert vok.memory.walk.failed_pages and not vok.memory.ledger.gated
    other = spider(start_url=f"{ORIGIN}/article/163/")
    binary = answer(Response, FIRST_SLICE, body=b"\x89PNG", headers={"Content-Type": "image/png"})
    assert list(other.parse_listing(binary)) == []
    assert other.memory.walk.failed_pages


def test_a_problem_found_in_the_more_articles_control_is_reported_too(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    listing = sample_response("/article/163/")
    scripted = listing.body.replace(b'href="http://127.0.0.1:8163/article/163/#"', b'href="javascript:void(0)"')
    with caplog.at_level(logging.INFO):
        list(vok.parse_listing(listing.replace(body=scripted)))
    assert vok.crawler.stats.get_value("vok/links/not_web") == 1
    assert "Ignoring javascript: link" in caplog.text


def test_since_keeps_the_teasers_it_cannot_date():
    """``since``: a teaser with neither a URL epoch nor a date may be new: it is kept, as the docstring says."""
    undated = Teaser(url="http://127.0.0.1/newstream/no-epoch/x/")
    old = Teaser(url="http://127.0.0.1/newstream/1771539200-381500828/y/")  # 2026-02-20
    new = Teaser(url="http://127.0.0.1/newstream/x/z/", date="2026-03-05")
    assert not_before([undated, old, new], "2026-03-01") == [undated, new]
