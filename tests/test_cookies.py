"""A subscriber's cookies.txt: loaded as browsers export it, sent only where it belongs, never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from tests.conftest import COOKIES
from vok_crawler.cookies import SubscriberCookiesMiddleware, load_cookies
from vok_crawler.errors import BadConfiguration
from vok_crawler.sample_site import SUBSCRIBER_COOKIE, SUBSCRIBER_SECRET
from vok_crawler.spiders.vok import VokSpider

ORIGIN = "http://127.0.0.1:8163"


def middleware(
    cookies_file: Path | str, start_url: str = f"{ORIGIN}/article/163/", **settings: str
) -> SubscriberCookiesMiddleware:
    crawler = get_crawler(VokSpider, settings_dict={"VOK_COOKIES_FILE": str(cookies_file), **settings})
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


def test_the_cookie_goes_only_to_the_host_it_was_issued_for_not_to_the_sites_other_names():
    sender = middleware(COOKIES, VOK_HOST_ALIASES="localhost:8163")
    alias = Request("http://localhost:8163/newstream/1-1/a/")  # on the site, by its second name
    assert sender.crawler.spider.host_aliases == ("localhost:8163",)
    sender.process_request(alias)
    assert alias.headers.get("Cookie") is None  # the file's cookie is 127.0.0.1's
    own = Request(f"{ORIGIN}/newstream/1-1/a/")
    sender.process_request(own)
    assert own.headers.get("Cookie") == f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}".encode()


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
    crawler = get_crawler(VokSpider, settings_dict={"VOK_COOKIES_FILE": str(COOKIES), "COOKIES_DEBUG": True})
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
