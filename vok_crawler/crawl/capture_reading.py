"""A web archive's capture read as the site's page: how the archive road, the fill and the probe ask for one.

:func:`capture_request` asks the archive for a capture the index listed
(:class:`~vok_crawler.site.captures.Capture`): its raw replay, or its WARC
record by byte range (:func:`~vok_crawler.site.captures.capture_fetch`),
in the archive's own download slot (:func:`archive_meta`), never
redirected (a captured redirect is what the site answered then, not a way
to go now). :class:`CaptureResponses`, a downloader middleware just inside
the crawl's own archive (which keeps, at 950, what the archive answered),
turns the archive's answer into the response of the site under the
capture's original URL, with the status and headers captured, so that the
page objects and the crawl's reader judge it as they judge a live page.
The capture stays in ``response.meta[CAPTURE]``, and its time in
:data:`~vok_crawler.crawl.replay.CAPTURED_AT` (the record's ``crawled_at``,
:func:`~vok_crawler.crawl.replay.fetched_at`).

An answer of the archive that is no capture (an error status: 404, 429,
503) passes unchanged, to be retried, backed off and refused as any; bytes
that are not the capture's WARC record fail the request with
:class:`~vok_crawler.crawl.failures.CaptureUnread` (logged and counted: ``vok/captures/records_unread``).

The archive's slot (:data:`ARCHIVE_SLOT`) waits ``VOK_ARCHIVE_DELAY``
seconds between requests, one at a time: the add-on :class:`ArchiveSlot`
declares it in ``DOWNLOAD_SLOTS``, and AutoThrottle leaves it as set.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings

from vok_crawler.crawl.config import seconds_setting
from vok_crawler.crawl.failures import CaptureUnread
from vok_crawler.crawl.replay import CAPTURED_AT
from vok_crawler.items import ArchiveCapture
from vok_crawler.site.archive_index import WebArchive
from vok_crawler.site.captures import Capture, capture_fetch
from vok_crawler.site.problems import Read
from vok_crawler.store.capture_records import read_capture_record

CAPTURE = "vok_capture"  # request.meta: the Capture this request reads from a web archive
ARCHIVE_SLOT = "vok-web-archive"  # the download slot of every request to a web archive (its index, its captures)
FLAG = "capture"  # on every response turned from an archive's answer into the site's, as the replay flags its own


def archive_meta() -> dict[str, Any]:
    """The meta of every request to a web archive: its own download slot, whose delay AutoThrottle leaves alone."""
    return {"download_slot": ARCHIVE_SLOT, "autothrottle_dont_adjust_delay": True}


def capture_request(archive: WebArchive, capture: Capture, **kwargs: Any) -> Read[Request | None]:
    """The request for ``capture`` (``kwargs`` as :class:`scrapy.Request` takes them, ``meta`` merged).

    ``None``, with the problem, when the capture cannot be read from this
    archive (a WARC prefix, and an index that does not say where the record is).
    """
    fetch = capture_fetch(archive, capture)
    if fetch.value is None:
        return Read(None, fetch.problems)
    meta = {**kwargs.pop("meta", {}), **archive_meta(), CAPTURE: capture, "dont_redirect": True}
    headers = {"Range": fetch.value.byte_range} if fetch.value.byte_range is not None else {}
    # Not filtered: the records of one WARC file share its URL, told apart by their ranges alone.
    return Read(Request(fetch.value.url, headers=headers, meta=meta, dont_filter=True, **kwargs))


def archive_capture(response: Response) -> ArchiveCapture | None:
    """The capture a response of the site was read from, as its record names it; ``None`` for a live page."""
    capture = response.meta.get(CAPTURE) if response.request is not None else None
    if not isinstance(capture, Capture):
        return None
    return ArchiveCapture(capture.archive, capture.timestamp, capture.url)


class CaptureResponses:
    """Downloader middleware (940): a capture's answer from the archive becomes the site's response (the module)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureResponses:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        capture = request.meta.get(CAPTURE)
        if not isinstance(capture, Capture) or not 200 <= response.status < 300:
            return response  # not a capture, or the archive's own failure to answer one
        if "Range" in request.headers:
            return self._record(request, response, capture)
        return self._site_response(request, capture, response.status, response.headers, response.body)

    def _record(self, request: Request, response: Response, capture: Capture) -> Response:
        """The WARC record in the answer to the byte range: its response."""
        kept = read_capture_record(response.body, capture).reported(self.stats)
        if kept is None:
            raise CaptureUnread(f"the archive's answer to {request.url} is not the WARC record of {capture.url}")
        return self._site_response(request, capture, kept.status, Headers(list(kept.headers)), kept.body)

    def _site_response(
        self, request: Request, capture: Capture, status: int, headers: Headers, body: bytes
    ) -> Response:
        request.meta[CAPTURED_AT] = capture.captured_at
        cls = responsetypes.from_args(headers=headers, url=capture.url, body=body)
        return cls(url=capture.url, status=status, headers=headers, body=body, flags=[FLAG], request=request)


class ArchiveSlot:
    """Add-on: the web archives' download slot (:data:`ARCHIVE_SLOT`), one request at a time,
    ``VOK_ARCHIVE_DELAY`` seconds apart; and :class:`CaptureResponses` among the downloader middlewares."""

    def update_settings(self, settings: Settings) -> None:
        delay = seconds_setting(settings, "VOK_ARCHIVE_DELAY")
        settings["DOWNLOAD_SLOTS"].set(ARCHIVE_SLOT, {"delay": delay, "concurrency": 1}, priority="addon")
        # Inside the crawl's archive (950), which keeps what the archive answered, before it is the site's page.
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", CaptureResponses, 940)
