"""Transport faults handled before parsing: Retry-After, charset, off-site redirects, failure kinds."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
import pytest_twisted
from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from tests.conftest import COOKIES, SAMPLE_SITE, crawl, serve, vok_settings
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.crawl.failures import GatedRedirect, RedirectLoop, error_kind
from vok_crawler.crawl.middlewares import (
    BackoffRetryMiddleware,
    DeclaredCharsetMiddleware,
    OffSiteRedirectMiddleware,
    retry_after_seconds,
)
from vok_crawler.crawl.spiders.vok import VokSpider

SITE_NAMES = "kcnawatch.org kcnawatch.xyz"  # the setting's names (the project's default also has their www. forms)
PAGE = "<html><head><meta charset='utf-8'></head><body><p>“김정은”</p></body></html>".encode()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        (b" 0 ", 0.0),
        (b"Tue, 24 Nov 2026 12:00:30 GMT", 30.0),
        (b"Tue, 24 Nov 2026 11:00:00 GMT", 0.0),
        (b"soon", None),
        (b"", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(header, now) == seconds


def crawler_of(start_url="http://127.0.0.1:8080/article/163/", **settings):
    crawler = get_crawler(VokSpider, vok_settings(**settings))
    crawler.spider = VokSpider.from_crawler(crawler, start_url=start_url)
    crawler.stats.open_spider()
    return crawler


def test_a_page_is_read_in_its_own_charset_when_the_header_lies():
    crawler = crawler_of()
    middleware = DeclaredCharsetMiddleware.from_crawler(crawler)
    lying = HtmlResponse("http://127.0.0.1/p/", body=PAGE, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    assert "“" not in lying.text
    fixed = middleware.process_response(Request(lying.url), lying)
    assert "“김정은”" in fixed.text
    assert crawler.stats.get_value("vok/charset/header_overridden") == 1
    honest = HtmlResponse("http://127.0.0.1/p/", body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    assert middleware.process_response(Request(honest.url), honest) is honest


def test_a_body_that_does_not_decode_in_its_declared_charset_keeps_the_header():
    middleware = DeclaredCharsetMiddleware.from_crawler(crawler_of())
    latin = "<meta charset='utf-8'><p>caf\xe9</p>".encode("latin-1")
    response = HtmlResponse(
        "http://127.0.0.1/p/", body=latin, headers={"Content-Type": "text/html; charset=iso-8859-1"}
    )
    assert middleware.process_response(Request(response.url), response) is response


def test_a_redirect_off_the_site_is_refused_and_one_on_it_passes():
    crawler = crawler_of()
    middleware = OffSiteRedirectMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:8080/go/")
    away = Response(request.url, status=302, headers={"Location": "http://localhost:8080/x/"})
    with pytest.raises(IgnoreRequest, match="redirect off the site, to http://localhost:8080/x/"):
        middleware.process_response(request, away)
    home = Response(request.url, status=301, headers={"Location": "/newstream/1-1/a/"})
    assert middleware.process_response(request, home) is home
    assert crawler.stats.get_value("vok/redirects/off_site") == 1


@pytest.mark.parametrize(
    ("location", "followed"),
    [
        ("https://kcnawatch.xyz/newstream/1-1/a", "https://kcnawatch.org/newstream/1-1/a/"),
        ("//www.kcnawatch.org/newstream/1-1/a/?utm_source=x#top", "https://kcnawatch.org/newstream/1-1/a/"),
        ("http://WWW.KCNAWATCH.XYZ/newstream/1-1/b/", "https://kcnawatch.org/newstream/1-1/b/"),
        ("http://kcnawatch.org/newstream/1-1/a/", None),  # the crawl's own host, under another scheme
        ("/newstream/1-1/b/", None),
    ],
)
def test_a_redirect_to_another_of_the_sites_names_is_followed_on_the_crawls_own_host(location, followed):
    crawler = crawler_of("https://kcnawatch.org/article/163/", VOK_HOST_ALIASES=SITE_NAMES)
    middleware = OffSiteRedirectMiddleware.from_crawler(crawler)
    request = Request("https://kcnawatch.org/newstream/1-1/old/")
    answer = Response(request.url, status=301, headers={"Location": location})
    result = middleware.process_response(request, answer)
    if followed is None:
        assert result is answer and crawler.stats.get_value(stats.REDIRECTS_TO_OTHER_NAME) is None
    else:
        assert result.headers["Location"].decode() == followed and result.status == 301
        assert crawler.stats.get_value(stats.REDIRECTS_TO_OTHER_NAME) == 1


def test_a_redirect_to_the_same_page_on_another_of_the_sites_names_is_a_loop():
    crawler = crawler_of("https://kcnawatch.org/article/163/", VOK_HOST_ALIASES=SITE_NAMES)
    middleware = OffSiteRedirectMiddleware.from_crawler(crawler)
    request = Request("https://kcnawatch.org/newstream/1-1/a/")
    answer = Response(request.url, status=302, headers={"Location": "https://kcnawatch.xyz/newstream/1-1/a"})
    with pytest.raises(RedirectLoop, match=r"the site sends this page to its other name kcnawatch\.xyz"):
        middleware.process_response(request, answer)


@pytest.mark.parametrize(
    "location",
    ["/free-member-form/?redirect_to=x", "https://www.nknews.org/free-member-form/?redirect_to=x&source=kcnawatch"],
)
def test_a_redirect_to_the_free_member_form_is_the_gate_before_any_off_site_rule(location):
    crawler = crawler_of()
    middleware = OffSiteRedirectMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:8080/newstream/1-1/a/")
    with pytest.raises(GatedRedirect):
        middleware.process_response(request, Response(request.url, status=302, headers={"Location": location}))
    assert crawler.stats.get_value("vok/redirects/off_site") is None


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        (HttpError(Response("http://x/", status=404)), "http_404"),
        (HttpError(Response("http://x/", status=503)), "http_5xx"),
        (HttpError(Response("http://x/", status=429)), "http_429"),
        (DownloadTimeoutError("slow"), "timeout"),
        (ResponseDataLossError("cut"), "data_loss"),
        (DownloadCancelledError("big"), "too_large"),
        (ConnectionLost("reset"), "connection"),
        (HttpError(Response("http://x/", status=403)), "http_403"),
        (GatedRedirect("gate"), "gated"),
        (
            IgnoreRequest(
                "<200 http://x/> body (10 B compressed, 9000000 B decompressed so far) exceeded DOWNLOAD_MAXSIZE"
            ),
            "too_large",
        ),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest("no"), "ignored"),
        (ValueError("odd"), "ValueError"),
    ],
)
def test_error_kinds(exception, kind):
    assert error_kind(Failure(exception)) == kind


@pytest_twisted.inlineCallbacks
def test_a_retry_after_holds_back_the_whole_site_not_a_download_slot(tmp_path):
    """After a 429 with Retry-After: 1, no request reaches the site for a second, however many slots."""
    limited = "/newstream/1770675200-381500818/party-policy-explained-to-working-people/"  # the listing's first
    site = FaultySite(SAMPLE_SITE, faults={limited: "429"}, delay=0.1)
    with serve(site) as origin:
        crawler = yield crawl(
            tmp_path / "vok.jsonl",
            f"{origin}/article/163/",
            CONCURRENT_REQUESTS=4,
            CONCURRENT_REQUESTS_PER_DOMAIN=4,
            VOK_COOKIES_FILE=str(COOKIES),
            SCHEDULER_MEMORY_QUEUE="scrapy.squeues.FifoMemoryQueue",
        )  # the listing's first, first
    refused_at = site.times[limited][0]  # when the server had the request; it answers 0.1 s later
    in_flight = refused_at + 0.15  # asked for before the crawler had the 429 in hand
    after = sorted(t for times in site.times.values() for t in times if t > in_flight)
    assert after and after[0] >= refused_at + 1.05  # then a pause: the site's, not one slot's
    assert crawler.stats.get_value("vok/retry/retry_after") == 1
    assert crawler.stats.get_value("finish_reason") == "finished"


@pytest.mark.parametrize("asked", ["1", "2"], ids=["at-the-cap", "past-the-cap"])
@pytest_twisted.inlineCallbacks
def test_a_retry_after_is_waited_no_longer_than_its_cap(tmp_path, caplog, asked):
    """``VOK_RETRY_AFTER_MAX`` = 1: a Retry-After of 1 s is waited whole, one of 2 s only 1 s."""
    limited = "/newstream/1770675200-381500818/party-policy-explained-to-working-people/"
    site = FaultySite(SAMPLE_SITE, faults={limited: "429"})
    site.retry_after = asked
    with serve(site) as origin, caplog.at_level(logging.INFO, logger="vok_crawler.crawl.middlewares"):
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", VOK_RETRY_AFTER_MAX=1)
    assert crawler.stats.get_value("vok/retry/retry_after") == 1
    assert crawler.stats.get_value("vok/retry/retry_after_seconds") == 1
    assert f"Retrying {origin}{limited} in 1.0 s (retry-after)" in caplog.text
    first, second = site.times[limited][:2]
    assert second - first >= 0.95  # and the site was left alone that long
    assert crawler.stats.get_value("finish_reason") == "finished"


@pytest.mark.parametrize(("retry_times", "seconds"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0)])
def test_the_backoff_doubles_with_each_retry_up_to_its_cap(retry_times, seconds):
    """``VOK_RETRY_BACKOFF_BASE * 2**(n-1)`` before the n-th retry, at most ``VOK_RETRY_BACKOFF_MAX``."""
    backoff = {"VOK_RETRY_BACKOFF_BASE": 0.5, "VOK_RETRY_BACKOFF_MAX": 30, "VOK_RETRY_AFTER_MAX": 300}
    settings = get_crawler(VokSpider, backoff).settings
    retry = Request("http://127.0.0.1/a/", meta={"retry_times": retry_times})
    assert BackoffRetryMiddleware(settings)._backoff(retry) == seconds
