"""What the project relies on in Scrapy's and the standard library's private APIs: a change fails here.

Each function of :mod:`vok_crawler.crawl.private_api` is exercised on the real
library objects (no stand-ins), so that an upgrade that renames, re-signs or
rewords what it relies on fails this file, naming the function to fix.
"""

from __future__ import annotations

import dataclasses
import gzip
import inspect
from http.cookiejar import MozillaCookieJar

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Downloader, Slot
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from tests.conftest import COOKIES
from vok_crawler.crawl.private_api import ignored_because, load_netscape_cookies
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET


class Named(Spider):
    name = "named"


def test_a_downloader_slot_is_held_back_by_its_latercall():
    """``hold_back_slot``: the slot's fields, ``_latercall(slot)``, and a queue that waits for the latercall.

    The effect end to end: ``test_middlewares.py::test_a_retry_after_holds_back_the_whole_site_not_a_download_slot``.
    """
    assert {"delay", "latercall"} <= {field.name for field in dataclasses.fields(Slot)}
    assert list(inspect.signature(Downloader._latercall).parameters) == ["self", "slot"]
    assert "slot.latercall" in inspect.getsource(Downloader._process_queue)  # it blocks the queue
    assert Downloader.DOWNLOAD_SLOT == "download_slot" and callable(Downloader.get_slot_key)


def test_cookies_text_loads_through_the_jar_reader_of_an_open_file():
    """``load_netscape_cookies``: ``MozillaCookieJar._really_load(file, filename, ignore_discard, ignore_expires)``."""
    jar = MozillaCookieJar()
    load_netscape_cookies(jar, COOKIES.read_text(encoding="utf-8"), str(COOKIES))
    assert SUBSCRIBER_SECRET in {cookie.value for cookie in jar}


def test_scrapys_own_ignore_requests_are_told_apart_by_their_message():
    """``ignored_because``: the words of Scrapy's redirect and decompression middlewares."""
    crawler = get_crawler(Named, {"REDIRECT_MAX_TIMES": 1, "DOWNLOAD_MAXSIZE": 1000, "DOWNLOAD_WARNSIZE": 0})
    request = Request("http://127.0.0.1/a/", meta={"redirect_times": 1})
    with pytest.raises(IgnoreRequest) as redirect:
        RedirectMiddleware.from_crawler(crawler).process_response(
            request, Response(request.url, status=301, headers={"Location": "/b/"})
        )
    compressed = Response(
        "http://127.0.0.1/big/", body=gzip.compress(b"x" * 100_000), headers={"Content-Encoding": "gzip"}
    )
    middleware = HttpCompressionMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest) as big:
        middleware.process_response(Request(compressed.url), compressed)
    assert (ignored_because(redirect.value), ignored_because(big.value)) == ("redirect_loop", "too_large")
    assert ignored_because(IgnoreRequest("anything else")) is None
