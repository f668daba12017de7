"""The web archive of a crawl: every response it reads, kept as WARC 1.1 beside the corpus.

A downloader middleware placed next to the download handler (950, past
every built-in middleware), so that it sees:

- the request as sent, with every header the other middlewares added
  (User-Agent, Accept-Encoding, ...);
- every response the transport delivered (redirects, errors, retries and
  the final pages alike) before any middleware changed it: the body still
  compressed as the server sent it (``HttpCompressionMiddleware`` at 590
  decompresses later), so the archive holds the bytes received, and its
  payload digest is the digest of those bytes.

The ``response_downloaded`` signal would see the same bytes, but not when
the fetch began, which is the capture's ``WARC-Date``.

Not archived: robots.txt (a rule for crawlers, not a page of the site), and
anything of a road whose answers are an archive's already (``archived``
false: the replay road, ``-a replay=DIR``).
Cookies and credentials never reach a file (:data:`vok_crawler.store.warc.REDACTED_HEADERS`).
"""

from __future__ import annotations

import logging
import platform
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from vok_crawler import stats
from vok_crawler.crawl.config import whole_number
from vok_crawler.crawl.failures import NotArchived
from vok_crawler.crawl.request_urls import is_robots_txt
from vok_crawler.crawl.scope import crawl_context, require_corpus_crawl
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.crawl.warc_records import WarcRecords
from vok_crawler.finish_reasons import WRITE_FAILED
from vok_crawler.store.warc import WarcFiles

logger = logging.getLogger(__name__)

FETCH_STARTED = "vok_fetch_started"  # request.meta: when the download of this attempt began


class ArchiveMiddleware:
    """Write a ``request`` and a ``response`` record for each response downloaded.

    Files rotate at ``VOK_ARCHIVE_MAX_BYTES``. Counters: ``vok/archive/``
    ``responses``, ``bytes`` (written), ``files`` (opened) and
    ``headers_redacted`` (cookies and credentials left out). A record that
    cannot be written (a full disk) stops the crawl at once, as a corpus
    write does (finish reason ``write_failed``): an archive with holes is
    worth less than a run to do again. That response, and any that arrives
    while the crawl closes, is refused (:class:`~vok_crawler.crawl.failures.NotArchived`)
    rather than parsed: no record without its capture; its article stays pending.
    """

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.records = WarcRecords()
        self.files = WarcFiles(directory, _max_bytes(crawler), _warcinfo(crawler))
        self.closing: object = None  # the crawl's close, once a write failed: no response is parsed after it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        require_corpus_crawl(crawler)
        context = crawl_context(crawler)
        if not context.road.archived:
            raise NotConfigured(f"the {context.road.name} road reads an archive; it does not write one")
        directory = context.archive  # VOK_ARCHIVE; unset, the source's archive beside the corpus; empty, none
        if directory is None:
            raise NotConfigured("VOK_ARCHIVE is empty (or there is no corpus to put it beside): no archive")
        middleware = cls(crawler, directory)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        request.meta[FETCH_STARTED] = datetime.now(timezone.utc)

    def process_response(self, request: Request, response: Response) -> Response:
        """Archive the response, or refuse it: a page the archive lost is not parsed (its article stays pending)."""
        if is_robots_txt(request):
            return response
        if self.closing is not None:
            raise NotArchived(f"{request.url}: the archive could not be written; not parsed")
        started = request.meta.get(FETCH_STARTED) or datetime.now(timezone.utc)
        try:
            fetched = self.records.fetch(request, response, started)
            written = self.files.write(fetched.records)
        except OSError as error:
            logger.error(
                "Could not write to the archive, stopping: %s (%s)", error.strerror or error, self.files.directory
            )
            self.stats.inc_value(stats.error(WRITE_FAILED))
            self.closing = stop_crawl(self.crawler, WRITE_FAILED)
            raise NotArchived(f"{request.url}: the archive could not be written; not parsed") from error
        self.stats.inc_value(stats.ARCHIVE_RESPONSES)
        self.stats.inc_value(stats.ARCHIVE_BYTES, written)
        self.stats.set_value(stats.ARCHIVE_FILES, len(self.files.paths))
        if fetched.redacted:
            self.stats.inc_value(stats.ARCHIVE_HEADERS_REDACTED, fetched.redacted)
        return response

    def spider_closed(self) -> None:
        self.files.close()


def _max_bytes(crawler: Crawler) -> int:
    value = crawler.settings.get("VOK_ARCHIVE_MAX_BYTES")
    return whole_number("setting VOK_ARCHIVE_MAX_BYTES", value, "a positive number of bytes", minimum=1)


def _warcinfo(crawler: Crawler) -> dict[str, str]:
    """What a reader of the files needs to know about how they were made."""
    return {
        "software": f"vok_crawler (Scrapy {version('scrapy')}, warcio {version('warcio')}, Python {platform.python_version()})",
        "http-header-user-agent": crawler.settings.get("USER_AGENT"),
        "robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
    }
