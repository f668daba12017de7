"""Replay: the replay road's answers (``scrapy crawl vok -a replay=DIR``), every request's from a WARC archive.

The same spider, page objects, loaders and pipelines run on the archived
responses, so a corrected extraction rule re-derives the corpus without
asking the site for a single page (:mod:`vok_crawler.crawl.roads.replay`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import StatsCollector
from w3lib.url import safe_url_string
from warcio.timeutils import iso_date_to_datetime

from vok_crawler import stats
from vok_crawler.crawl.memory import utc_now
from vok_crawler.crawl.request_urls import is_robots_txt
from vok_crawler.crawl.roads.replay import ReplayRoad
from vok_crawler.crawl.scope import crawl_context, require_corpus_crawl
from vok_crawler.store.warc import iter_archive, read_record

logger = logging.getLogger(__name__)

FLAG = "replay"  # on every replayed response, as Scrapy's cache flags its own ("cached")
CAPTURED_AT = "vok_captured_at"  # request meta: when the replayed response was fetched (its WARC-Date)


def fetched_at(response: Response) -> str:
    """When the page was fetched, as a record's ``crawled_at``: its capture's time when replayed, else now."""
    captured = response.meta.get(CAPTURED_AT) if response.request is not None else None
    return captured if isinstance(captured, str) else utc_now()


@dataclass(frozen=True)
class Capture:
    path: Path
    offset: int
    date: datetime


class ReplayIndex:
    """The latest capture of each URL of an archive directory: where it is, not its bytes.

    Built once, by reading every file; a capture is read again from its
    offset when asked for. Of two captures of a URL the later ``WARC-Date``
    wins, and on a tie the one written later.
    """

    def __init__(self, directory: Path, counters: StatsCollector | None = None) -> None:
        self.latest: dict[str, Capture] = {}
        for stored in iter_archive(directory, counters, http_headers=False):
            record = stored.record
            if record.rec_type != "response":
                continue
            capture = Capture(
                stored.path, stored.offset, iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
            )
            url = record.rec_headers.get_header("WARC-Target-URI")
            if url not in self.latest or capture.date >= self.latest[url].date:
                self.latest[url] = capture

    def response(self, request: Request) -> Response | None:
        """The latest captured response to the request's URL, as the downloader would give it."""
        capture = self.latest.get(safe_url_string(request.url))
        if capture is None:
            return None
        record = read_record(capture.path, capture.offset)
        headers = Headers(
            [(name.encode("latin-1"), value.encode("latin-1")) for name, value in record.http_headers.headers]
        )
        body = record.raw_stream.read()  # as received: HttpCompressionMiddleware decodes it as it did then
        status = int(record.http_headers.get_statuscode())
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        protocol = record.http_headers.protocol
        request.meta[CAPTURED_AT] = capture.date.isoformat(timespec="seconds") + "Z"  # WARC-Date is UTC
        return cls(
            url=request.url, status=status, headers=headers, body=body, flags=[FLAG], request=request, protocol=protocol
        )


class ReplayMiddleware:
    """Answer each request of the replay road with its latest capture in the road's folder; never the network.

    Placed last (960), so the request it sees is the one that would have
    been sent, and the response it gives passes through every middleware's
    ``process_response`` as a downloaded one would (decompression,
    redirects, retries, charset). A URL not in the archive is a miss: logged,
    counted (``vok/replay/miss``), and dropped with ``IgnoreRequest``. robots.txt is
    not archived; it is answered here, empty: every URL the archive holds was
    allowed when it was fetched, and no other is fetched.
    """

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.stats = crawler.stats
        self.index = ReplayIndex(directory, crawler.stats)
        self.stats.set_value(stats.REPLAY_URLS, len(self.index.latest))
        logger.info(
            "Replaying %d URLs from the archive in %s; nothing is fetched from the network",
            len(self.index.latest),
            directory,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        require_corpus_crawl(crawler)
        road = crawl_context(crawler).road
        if not isinstance(road, ReplayRoad):
            raise NotConfigured  # no message: Scrapy would warn of it on every ordinary crawl
        return cls(crawler, road.directory)

    def process_request(self, request: Request) -> Response:
        if is_robots_txt(request):
            return Response(request.url, status=200, body=b"", flags=[FLAG], request=request)
        response = self.index.response(request)
        if response is None:
            self.stats.inc_value(stats.REPLAY_MISS)
            logger.warning("Replay: %s is not in the archive; not requested", request.url)
            raise IgnoreRequest(f"{request.url} is not in the archive")
        self.stats.inc_value(stats.REPLAY_HIT)
        return response
