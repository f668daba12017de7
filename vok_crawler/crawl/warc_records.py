"""The WARC records of one fetch of the crawl: the request as sent and the response as received, no secret in them.

Built from Scrapy's request and response (the archive's downloader
middleware, :mod:`vok_crawler.crawl.archive`, hands them over) and written by
:class:`vok_crawler.store.warc.WarcFiles`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from w3lib.url import safe_url_string
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from vok_crawler.crawl.capture_reading import CAPTURE
from vok_crawler.site.captures import Capture
from vok_crawler.store.warc import REDACTED_HEADERS, WARC_VERSION

# The browser road's pages (vok_crawler.crawl.browser) are the page as Chromium rendered it, and say so.
RENDERED_BY_BROWSER = "playwright"  # the flag scrapy-playwright puts on the responses it rendered
RENDERED_HEADER = "WARC-Rendered-By"
RENDERED_NOTE = "Chromium via scrapy-playwright (browser road): the document the browser received and rendered, decoded"
# A web archive's answer to a capture (vok_crawler.crawl.capture_reading) is the archive's, kept under the URL
# asked of it, and says which capture it is: the archive (its index's host), the capture's time, the URL captured.
CAPTURE_ARCHIVE_HEADER = "WARC-Capture-Archive"
CAPTURE_TIMESTAMP_HEADER = "WARC-Capture-Timestamp"
CAPTURE_TARGET_HEADER = "WARC-Capture-Target-URI"
# Scrapy hands the body over with the chunked transfer coding already removed.
TRANSPORT_HEADERS = frozenset({"transfer-encoding"})


def warc_date(moment: datetime) -> str:
    """A WARC 1.1 date: UTC with microseconds (``2026-11-24T10:15:00.123456Z``)."""
    return str(datetime_to_iso_date(moment.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True))


def kept_headers(headers: Iterable[tuple[bytes, list[bytes]]]) -> tuple[list[tuple[str, str]], int]:
    """Scrapy's headers as WARC header lines, without cookies, credentials and the transfer coding.

    With the number of headers left out as secrets, counted in the same one pass.
    """
    lines = []
    redacted = 0
    for name, values in headers:
        text = name.decode("latin-1")
        lowered = text.lower()
        if lowered in REDACTED_HEADERS:
            redacted += 1
        elif lowered not in TRANSPORT_HEADERS:
            lines += [(text, value.decode("latin-1")) for value in values]
    return lines, redacted


@dataclass(frozen=True)
class Fetch:
    """The request and response records of one fetch, and how many headers were left out as secrets."""

    records: tuple[ArcWarcRecord, ArcWarcRecord]
    redacted: int


class WarcRecords:
    """Builds the request and response records of one fetch.

    The request record is the request as the downloader sent it, with the
    ``Host`` the transport adds; the response record holds the status, the
    headers as Scrapy parsed them (names in Scrapy's capitalization) and the
    body bytes as the transport delivered them: still compressed if the
    server compressed them, without the chunked coding. Both carry the URL
    fetched and the moment the fetch began; the request names its response
    (``WARC-Concurrent-To``), and is written first. A web archive's answer
    to a capture is kept as the archive gave it, under the URL asked of the
    archive, and names the capture (``WARC-Capture-Archive``,
    ``WARC-Capture-Timestamp``, ``WARC-Capture-Target-URI``): a replay
    (``-a replay=DIR``) does not take it for the site's own answer.
    """

    def __init__(self) -> None:
        self.builder = WARCWriter(None, gzip=True, warc_version=WARC_VERSION)

    def fetch(self, request: Request, response: Response, started: datetime) -> Fetch:
        uri = safe_url_string(request.url)
        warc_headers = {"WARC-Date": warc_date(started)}
        if response.ip_address is not None:
            warc_headers["WARC-IP-Address"] = str(response.ip_address)
        if RENDERED_BY_BROWSER in response.flags:  # the browser road: what the browser rendered, not the wire's bytes
            warc_headers[RENDERED_HEADER] = RENDERED_NOTE
        capture = request.meta.get(CAPTURE)
        if isinstance(capture, Capture):  # a web archive's answer: a capture of the site, not the site's answer
            warc_headers[CAPTURE_ARCHIVE_HEADER] = capture.archive
            warc_headers[CAPTURE_TIMESTAMP_HEADER] = capture.timestamp
            warc_headers[CAPTURE_TARGET_HEADER] = safe_url_string(capture.url)
        protocol = response.protocol or "HTTP/1.1"
        status = f"{response.status} {_reason(response.status)}"
        kept, redacted = kept_headers(response.headers.items())
        answered = StatusAndHeaders(status, kept, protocol=protocol)
        response_record = self.builder.create_warc_record(
            uri,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=answered,
            warc_headers_dict=dict(warc_headers),
        )
        parts = urlsplit(uri)
        sent, redacted_sent = kept_headers(request.headers.items())
        if not any(name.lower() == "host" for name, _ in sent):
            sent.insert(0, ("Host", parts.netloc))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        asked = StatusAndHeaders(f"{request.method} {target} {protocol}", sent, is_http_request=True)
        request_record = self.builder.create_warc_record(
            uri,
            "request",
            payload=BytesIO(request.body),
            length=len(request.body),
            http_headers=asked,
            warc_headers_dict={
                **warc_headers,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        return Fetch((request_record, response_record), redacted + redacted_sent)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
