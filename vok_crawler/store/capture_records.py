"""A capture's WARC record, read from the bytes of its range: the response the archive kept.

Common Crawl serves its WARC files whole, and each capture's record is a
gzip member that its index locates (``filename``, ``offset``, ``length``):
asked with ``Range: bytes=offset-(offset+length-1)``, the answer is that
record alone (:class:`vok_crawler.site.captures.WarcLocation`). warcio (the
library pywb reads with) reads it, gzipped or plain, into the response it
holds: its status, its headers and its body, decoded of the transfer and
content codings as a browser would have read it. Bytes that are not that
record (a short answer, a server that ignored the range, another
record) are a problem, returned as data.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from io import BytesIO

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from vok_crawler import stats
from vok_crawler.site.captures import Capture
from vok_crawler.site.problems import Problem, Read

# Headers of the transport, not of the page: the body handed on is decoded of both codings.
CODING_HEADERS = frozenset({"transfer-encoding", "content-encoding", "content-length"})
_QUOTED_ERROR = 120  # characters of warcio's error (which quotes the bytes it could not read) kept in a problem


@dataclass(frozen=True)
class ArchivedResponse:
    """The response a WARC record kept: the URL captured, when (``WARC-Date``), and what the site answered."""

    url: str
    date: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def read_capture_record(data: bytes, capture: Capture) -> Read[ArchivedResponse | None]:
    """The response record of ``capture`` in ``data``, the bytes its range was answered with.

    ``None`` with a problem when the bytes are not that record: fewer or
    more than the index's ``length`` (cut short, or the whole file), no
    WARC, no response, or the response to another URL.
    """
    where = f"{capture.url} ({capture.timestamp}, in {capture.archive})"
    expected = capture.location.length if capture.location is not None else None
    if expected is not None and len(data) != expected:
        return _unread(f"{len(data)} bytes came for the {expected} of the WARC record of {where}")
    try:
        record = next(ArchiveIterator(BytesIO(data)), None)
        if record is None or record.rec_type != "response" or record.http_headers is None:
            return _unread(f"The bytes of the WARC record of {where} hold no response")
        target = record.rec_headers.get_header("WARC-Target-URI")
        if target is None or safe_url_string(target) != safe_url_string(capture.url):  # an index may escape it
            return _unread(f"The WARC record read for {where} is the capture of {target}")
        status = int(record.http_headers.get_statuscode())
        body = record.content_stream().read()
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as error:
        return _unread(f"The WARC record of {where} could not be read: {str(error)[:_QUOTED_ERROR]}")
    headers = tuple((name, value) for name, value in record.http_headers.headers if name.lower() not in CODING_HEADERS)
    return Read(ArchivedResponse(target, record.rec_headers.get_header("WARC-Date"), status, headers, body))


def _unread(message: str) -> Read[ArchivedResponse | None]:
    return Read(None, (Problem(stats.CAPTURES_RECORDS_UNREAD, message),))
