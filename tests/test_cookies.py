"""A subscriber's cookies.txt: loaded as browsers export it, sent only where it belongs, never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import pytest_twisted
from scrapy import Request
from scrapy.utils.test import get_crawler
from twisted.web.resource import Resource

from tests.conftest import COOKIES, scrapy_output, serve, vok_settings
from vok_crawler.crawl.browser import browser_cookies
from vok_crawler.crawl.cookies import SubscriberCookiesMiddleware, load_cookies
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.errors import BadConfiguration
from vok_crawler.tools.sample_site import SUBSCRIBER_COOKIE, SUBSCRIBER_SECRET

ORIGIN = "http://127.0.0.1:8163"


def middleware(
    cookies_file: Path | str, start_url: str = f"{ORIGIN}/article/163/", **settings: str
) -> SubscriberCookiesMiddleware:
    crawler = get_crawler(VokSpider, settings_dict=vok_settings(VOK_COOKIES_FILE=str(cookies_file), **settings))
    crawler.spider = VokSpider.from_crawler(crawler, start_url=start_url)
    crawler.stats.open_spider()
    return SubscriberCookiesMiddleware.from_crawler(crawler)


def test_an_export_loads_with_its_session_and_httponly_cookies():
    jar = load_cookies(COOKIES)
    by_name = {cookie.name: cookie for cookie in jar}
    assert set(by_name) == {SUBSCRIBER_COOKIE, "nknews_session"}
    session = by_name[SUBSCRIBER_COOKIE]
    assert session.expires is None and session.discard  # expiry 0: a session cookie, not an expired one
    assert session.has_nonstandard_attr("HTTPOnly")  # the "#HttpOnly_" line is a cookie, not a comment


def test_cookies_past_their_expiry_are_dropped(tmp_path):
    file = tmp_path / "cookies.txt"
    file.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t1000\told\tgone\n127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tfresh\tkept\n"
    )
    assert [cookie.name for cookie in load_cookies(file)] == ["fresh"]


def test_the_cookie_goes_to_the_crawled_site_only():
    sender = middleware(COOKIES)
    own = Request(f"{ORIGIN}/newstream/1-1/a/")
    sender.process_request(own)
    assert (
        own.headers.get("Cookie") == f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}".encode()
    )  # and not the nknews.org one
    elsewhere = Request("http://localhost:8163/newstream/1-1/a/")
    sender.process_request(elsewhere)
    assert elsewhere.headers.get("Cookie") is None
    assert sender.crawler.stats.get_value("vok/cookies/requests_with_cookies") == 1


@pytest.mark.parametrize("url", ["https://nknews.org/pro/", "https://www.nknews.org/2026/03/a/"])
def test_a_cookie_of_another_site_in_the_file_never_goes_with_a_request_there(url):
    """The file's nknews.org cookie matches these URLs by its own domain and path: off the site, it stays home."""
    sender = middleware(COOKIES)
    assert any(cookie.domain == ".nknews.org" for cookie in sender.jar)
    there = Request(url)
    sender.process_request(there)
    assert there.headers.get("Cookie") is None
    assert sender.crawler.stats.get_value("vok/cookies/requests_with_cookies") is None


def test_the_cookie_goes_only_to_the_host_it_was_issued_for_not_to_the_sites_other_names():
    sender = middleware(COOKIES, VOK_HOST_ALIASES="localhost:8163")
    alias = Request("http://localhost:8163/newstream/1-1/a/")  # on the site, by its second name
    assert sender.crawler.spider.crawl_context.aliases == ("localhost:8163",)
    sender.process_request(alias)
    assert alias.headers.get("Cookie") is None  # the file's cookie is 127.0.0.1's
    own = Request(f"{ORIGIN}/newstream/1-1/a/")
    sender.process_request(own)
    assert own.headers.get("Cookie") == f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}".encode()


HOST_ONLY_AND_DOMAIN_COOKIES = (
    "# Netscape HTTP Cookie File\n"
    "kcnawatch.org\tFALSE\t/\tFALSE\t0\thost_only\th-1\n"  # include-subdomains FALSE: this host alone
    ".kcnawatch.org\tTRUE\t/\tFALSE\t0\twith_subdomains\td-1\n"
)


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://kcnawatch.org/article/163/", {"host_only", "with_subdomains"}),
        ("https://www.kcnawatch.org/article/163/", {"with_subdomains"}),  # the host-only one is kcnawatch.org's alone
        ("https://a.www.kcnawatch.org/article/163/", {"with_subdomains"}),
    ],
)
def test_both_roads_choose_the_cookies_by_one_rule(tmp_path, url, sent):
    """The plain road's Cookie header and the browser's cookies, for a crawl of ``url``: the jar's one rule."""
    path = tmp_path / "cookies.txt"
    path.write_text(HOST_ONLY_AND_DOMAIN_COOKIES)
    sender = middleware(path, start_url=url)
    asked = Request(url)
    sender.process_request(asked)
    plain = {pair.split("=")[0] for pair in asked.headers["Cookie"].decode().split("; ")}
    assert plain == {cookie["name"] for cookie in browser_cookies(sender.jar, url)} == sent


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "could not be loaded"),
        ("not a cookies file\n", "could not be loaded"),
        ("# Netscape HTTP Cookie File\nonly\tthree\tfields\n", "could not be loaded"),
        ("# Netscape HTTP Cookie File\n.nknews.org\tTRUE\t/\tFALSE\t0\ts\tv\n", "holds no cookie for"),
    ],
)
def test_a_file_that_does_not_load_stops_the_run_with_a_clear_message(tmp_path, caplog, content, why):
    file = tmp_path / "cookies.txt"
    if content is not None:
        file.write_text(content + f"# {SUBSCRIBER_SECRET}\n")
    with caplog.at_level(logging.DEBUG), pytest.raises(BadConfiguration, match=why) as raised:
        middleware(file)
    assert "VOK_COOKIES_FILE" in str(raised.value) and SUBSCRIBER_SECRET not in str(raised.value) + caplog.text


def test_no_setting_no_middleware():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        middleware("")


def test_cookies_are_refused_beside_scrapys_cookie_debug_output():
    crawler = get_crawler(VokSpider, settings_dict=vok_settings(VOK_COOKIES_FILE=str(COOKIES), COOKIES_DEBUG=True))
    crawler.spider = VokSpider.from_crawler(crawler, start_url=f"{ORIGIN}/article/163/")
    with pytest.raises(BadConfiguration, match="COOKIES_DEBUG would log"):
        SubscriberCookiesMiddleware.from_crawler(crawler)


def test_the_small_differences_of_exports_load(tmp_path):
    """No magic line, a dotless domain flagged TRUE, an IP flagged TRUE, an expiry with a fraction."""
    file = tmp_path / "cookies.txt"
    file.write_text(
        f"127.0.0.1\tTRUE\t/\tFALSE\t4102444800.5\t{SUBSCRIBER_COOKIE}\t{SUBSCRIBER_SECRET}\r\n"
        "nknews.org\tTRUE\t/\tTRUE\t0\tnknews_session\tother\r\n",
        encoding="utf-8",
    )
    by_name = {cookie.name: cookie for cookie in load_cookies(file)}
    assert by_name[SUBSCRIBER_COOKIE].expires == 4102444800 and by_name["nknews_session"].domain == ".nknews.org"
    sender = middleware(file)
    own = Request(f"{ORIGIN}/newstream/1-1/a/")
    sender.process_request(own)
    assert own.headers.get("Cookie") == f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}".encode()


class CookieRecorder(Resource):
    """A page of another site on loopback, keeping the ``Cookie`` header of every request it answers."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.cookies: list[bytes | None] = []

    def render_GET(self, request) -> bytes:
        self.cookies.append(request.getHeader(b"cookie"))
        return b"<html><body><p>another site</p></body></html>"


@pytest_twisted.inlineCallbacks
def test_a_page_looked_at_off_the_site_gets_none_of_the_files_cookies(tmp_path):
    """``scrapy fetch --spider=vok`` of another site's page, with an export that holds that site's cookie too."""
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        ".kcnawatch.org\tTRUE\t/\tTRUE\t0\twordpress_logged_in_nkpro\tthe-sites-SECRET\n"
        "127.0.0.1\tFALSE\t/\tFALSE\t0\tother_session\tanother-sites-SECRET\n"
    )
    recorder = CookieRecorder()
    with serve(recorder) as origin:  # the crawl's site is kcnawatch.org (the spider's default): 127.0.0.1 is not it
        out, err, code = yield scrapy_output(
            "fetch", "--spider=vok", "-s", f"VOK_COOKIES_FILE={cookies}", f"{origin}/p/"
        )
    assert code == 0, err.decode()[-3000:]
    assert b"another site" in out
    assert len(recorder.cookies) == 2 and recorder.cookies == [None, None]  # robots.txt and the page
    assert b"SECRET" not in out + err
