"""A capture read as the site's page, through the crawl's downloader: from pywb's raw replay and from a WARC byte range.

A spider of the test's own asks for the tests' archive's captures
(``tests/web_archives.py``) with :func:`capture_request`, through the
project's settings and middlewares, from pywb on 127.0.0.1 and from the
WARC files served with byte ranges on 127.0.0.1; what reaches its callback
is the site's page as captured, under the capture's URL, read by the page
objects as a live page is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest_twisted
import scrapy
from scrapy.crawler import CrawlerRunner
from scrapy.http import Response, TextResponse
from scrapy.utils.project import get_project_settings
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure
from twisted.web.static import File

from tests.conftest import LOOPBACK, serve
from tests.test_pywb import HOSTS, read_index
from tests.web_archives import PLAIN, PRESS_STATEMENT, SPEECH, Captured, archive_captures, sample_url
from vok_crawler import stats
from vok_crawler.crawl.capture_reading import ARCHIVE_SLOT, CAPTURE, FLAG, capture_request
from vok_crawler.crawl.failures import error_kind
from vok_crawler.crawl.replay import CAPTURED_AT
from vok_crawler.site.archive_index import WebArchive, article_queries
from vok_crawler.site.captures import Capture, WarcLocation
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.parsing import page_selector

ORIGIN = "https://kcnawatch.org/article/163/"


class CaptureReader(scrapy.Spider):
    """Asks for each of ``captures`` from ``archive``; keeps what each answer became."""

    name = "capture_reader"

    def __init__(self, archive: WebArchive, captures: list[Capture], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.archive = archive
        self.captures = captures
        self.read: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, str] = {}

    async def start(self) -> Any:
        for capture in self.captures:
            request = capture_request(self.archive, capture, callback=self.page, errback=self.error).value
            assert request is not None
            yield request

    def page(self, response: Response) -> Iterator[Any]:
        capture = response.meta[CAPTURE]
        assert isinstance(response, TextResponse)
        article = ArticlePage(page_selector(response), response.url, ORIGIN, ("kcnawatch.xyz",))
        self.read[capture.timestamp] = {
            "url": response.url,
            "status": response.status,
            "body": response.body,
            "crawled_at": response.meta[CAPTURED_AT],
            "flags": response.flags,
            "slot": response.meta["download_slot"],
            "gate": bool(nk_pro_gate(article)),
            "canonical": article.to_item(crawled_at=response.meta[CAPTURED_AT]).value.url,
        }
        return iter(())

    def error(self, failure: Failure) -> None:
        self.failed[failure.request.meta[CAPTURE].timestamp] = error_kind(failure)


def read_captures(archive: WebArchive, captures: list[Capture], **settings: Any) -> Any:
    project = get_project_settings()
    project.setdict({**LOOPBACK, "RETRY_TIMES": 0, **settings}, priority="cmdline")
    runner = CrawlerRunner(project)
    crawler = runner.create_crawler(CaptureReader)
    return runner.crawl(crawler, archive=archive, captures=captures).addCallback(lambda _: crawler)


def wanted() -> list[Captured]:
    """Two whole captures (one on the site's second name, without its slash) and one behind the gate."""
    return [c for c in archive_captures() if c.article.endswith((f"/{SPEECH}/", f"/{PRESS_STATEMENT}/"))]


def check_read(crawler: Any, captured: list[Captured]) -> None:
    spider = crawler.spider
    assert spider.failed == {}
    assert sorted(spider.read) == sorted(c.timestamp for c in captured)
    for capture in captured:
        read = spider.read[capture.timestamp]
        assert (read["url"], read["status"], read["body"]) == (capture.url, 200, capture.body)
        assert read["crawled_at"] == Capture("a", capture.url, capture.timestamp, 200).captured_at
        assert FLAG in read["flags"] and read["slot"] == ARCHIVE_SLOT
        assert read["gate"] is (capture.kind == "gated")  # the gate's page is judged as the page objects judge it
        assert read["canonical"] == capture.article  # the page's own URL, on the crawl's host
    assert crawler.settings.getdict("DOWNLOAD_SLOTS")[ARCHIVE_SLOT] == {"delay": 0.25, "concurrency": 1}


@pytest_twisted.inlineCallbacks
def test_a_raw_replay_becomes_the_sites_page_under_the_captured_url(web_archive):
    archive = WebArchive(web_archive.cdx(PLAIN), web_archive.replay(PLAIN))
    captured = wanted()
    captures = [Capture(archive.host, c.url, c.timestamp, 200) for c in captured]
    crawler = yield read_captures(archive, captures, VOK_ARCHIVE_DELAY="0.25")
    check_read(crawler, captured)


@pytest_twisted.inlineCallbacks
def test_a_warc_record_by_byte_range_becomes_the_sites_page_and_other_bytes_fail_the_request(web_archive):
    index = WebArchive(web_archive.cdx(PLAIN), web_archive.replay(PLAIN))
    queries = tuple(q for path in (SPEECH, PRESS_STATEMENT) for q in article_queries(sample_url(path), HOSTS))
    listed, _, _ = yield deferToThread(read_index, index, queries)
    captured = wanted()
    captures = [c for c in listed if c.status == 200]
    assert sorted(c.timestamp for c in captures) == sorted(c.timestamp for c in captured)
    first = captures[0]
    assert first.location is not None
    # An index that is a byte off: the bytes asked are not the start of a record.
    off = WarcLocation(first.location.filename, first.location.offset + 1, first.location.length - 1)
    short = Capture(first.archive, first.url, "20990101000000", 200, location=off)
    with serve(File(str(web_archive.warc_folder))) as origin:
        archive = WebArchive(index.cdx, index.replay, warc=f"{origin}/")
        crawler = yield read_captures(archive, [*captures, short], VOK_ARCHIVE_DELAY="0.25")
    assert crawler.spider.failed == {"20990101000000": "capture_unread"}
    del crawler.spider.failed["20990101000000"]
    check_read(crawler, captured)
    assert crawler.stats.get_value(stats.CAPTURES_RECORDS_UNREAD) == 1
