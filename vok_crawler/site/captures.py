"""What a web archive's index answers: its captures, read into data, grouped by article, newest first.

An index answers ``output=json`` in one of two styles, and both are read
whatever the endpoint (:func:`parse_cdx`): the Wayback Machine's list of
lists, the first row the field names (``urlkey, timestamp, original,
mimetype, statuscode, digest, length``), then an empty row and the resume
key when more remain; or the NDJSON of pywb and Common Crawl, one object a
line (``url``, ``timestamp``, ``status``, ``mime``, and ``filename``,
``offset``, ``length`` where the index knows where the record is), or one
object that is a page count (``{"pages": N}``) or a message
(``{"message": "No Captures found for: ..."}``, Common Crawl's empty answer).
A line that is none of these is a problem, returned as data with what was read.

An article is read from its newest whole capture (:class:`ArticleCaptures`):
the captures of all its spellings, on any of the site's names, grouped by
its canonical URL on the crawl's host. Whether a capture holds the article,
the gate, the sign-up form or a challenge is the page objects' to judge;
one that does not is passed over for the next older (:meth:`ArticleCaptures.older_than`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from vok_crawler import stats
from vok_crawler.site.archive_index import CdxStyle, IndexQuery, WebArchive
from vok_crawler.site.problems import Problem, Read
from vok_crawler.site.slices import Slice, parse_slice
from vok_crawler.site.urls import WEB_SCHEMES, Aliases, canonical_url, is_article_url, is_on_site

TIMESTAMP = re.compile(r"\d{14}")  # YYYYMMDDhhmmss, UTC: how every CDX index dates a capture
NO_CAPTURES = "No Captures found"  # how Common Crawl's index (a 404) says that it holds nothing for a query
DEFAULT_PORTS = {"http": ":80", "https": ":443"}  # older Wayback captures spell them (http://host:80/)
_QUOTED_LINE = 200  # characters of a line that is no capture, quoted in its problem


@dataclass(frozen=True)
class WarcLocation:
    """Where a capture's WARC record is: a file of the archive, and the bytes of its gzip member."""

    filename: str
    offset: int
    length: int

    @property
    def byte_range(self) -> str:
        """The ``Range`` header that asks for the record alone: ``bytes=offset-(offset+length-1)``."""
        return f"bytes={self.offset}-{self.offset + self.length - 1}"


@dataclass(frozen=True)
class Capture:
    """One capture an index listed: the URL as the archive captured it, when, and what it answered.

    ``timestamp`` is ``YYYYMMDDhhmmss`` in UTC; ``status`` ``None`` where
    the index gives none (a revisit's ``-``); ``location`` where the index
    names the WARC record (pywb, Common Crawl); ``archive`` the host of the
    index that listed it.
    """

    archive: str
    url: str
    timestamp: str
    status: int | None
    mime: str | None = None
    digest: str | None = None
    location: WarcLocation | None = None

    @property
    def captured_at(self) -> str:
        """When it was captured, ISO 8601 in UTC (``2026-03-10T12:00:00Z``): a record's ``crawled_at``."""
        t = self.timestamp
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


@dataclass(frozen=True)
class CdxAnswer:
    """One answer of an index: its captures, and how it goes on.

    ``resume_key``: a Wayback answer cut at its limit, to be asked again
    from there; ``pages``: a pywb answer to ``showNumPages``; ``message``:
    what the index said instead of captures. ``style`` is the style the
    answer came in (``None`` for an empty one).
    """

    captures: tuple[Capture, ...] = ()
    resume_key: str | None = None
    pages: int | None = None
    message: str | None = None
    style: CdxStyle | None = None


def parse_cdx(text: str, archive: WebArchive) -> Read[CdxAnswer]:
    """An index's ``output=json`` answer, in either style, with a problem for each line that is no capture.

    An answer in the other style than the endpoint's (:attr:`WebArchive.style`)
    is read all the same, and said: the status filter and the paging were
    asked in the endpoint's style, and may not have worked.
    """
    body = text.strip()
    if not body:
        return Read(CdxAnswer())
    read = _wayback_answer(body, archive) if body.startswith("[") else _ndjson_answer(body, archive)
    answer = read.value
    if answer.style is None or answer.style == archive.style:
        return read
    problem = Problem(
        stats.CAPTURES_OTHER_STYLE,
        f"The index at {archive.cdx} answered in the {answer.style} style, though it was asked in the "
        f"{archive.style} style: its status filter and paging may not have worked",
    )
    return Read(answer, (*read.problems, problem))


def _wayback_answer(body: str, archive: WebArchive) -> Read[CdxAnswer]:
    """A list of lists: the field names, the captures, and after an empty row the resume key."""
    try:
        rows = json.loads(body)
    except ValueError as error:
        return Read(CdxAnswer(), (_unread(archive, 1, body, f"is no JSON ({error})"),))
    if not isinstance(rows, list) or not rows:
        return Read(CdxAnswer(style="wayback"))
    names, *rest = rows
    if not _strings(names):
        return Read(CdxAnswer(style="wayback"), (_unread(archive, 1, json.dumps(names), "names no fields"),))
    captures, problems, resume_key = [], [], None
    for number, row in enumerate(rest, start=2):
        if row == [] and number == len(rows) - 1 and _strings(rows[-1]) and len(rows[-1]) == 1:
            resume_key = rows[-1][0]
            break
        capture = (
            _capture(dict(zip(names, row, strict=True)), archive) if _strings(row) and len(row) == len(names) else None
        )
        if capture is None:
            problems.append(_unread(archive, number, json.dumps(row), "is no capture"))
        else:
            captures.append(capture)
    return Read(CdxAnswer(tuple(captures), resume_key=resume_key, style="wayback"), tuple(problems))


def _ndjson_answer(body: str, archive: WebArchive) -> Read[CdxAnswer]:
    """One object a line: captures, or a page count, or a message."""
    captures, problems = [], []
    pages: int | None = None
    message: str | None = None
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        fields = _json_object(line)
        capture = _capture(fields, archive) if fields is not None else None
        if capture is not None:
            captures.append(capture)
        elif fields is not None and type(fields.get("pages")) is int and fields["pages"] >= 0:
            pages = fields["pages"]
        elif fields is not None and isinstance(fields.get("message"), str):
            message = fields["message"]
            if not message.startswith(NO_CAPTURES):
                problems.append(
                    Problem(stats.CAPTURES_INDEX_MESSAGES, f"The index at {archive.cdx} answered: {message}")
                )
        else:
            problems.append(_unread(archive, number, line, "is no capture"))
    return Read(CdxAnswer(tuple(captures), pages=pages, message=message, style="pywb"), tuple(problems))


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _strings(row: object) -> bool:
    return isinstance(row, list) and all(isinstance(cell, str) for cell in row)


def _unread(archive: WebArchive, number: int, line: str, why: str) -> Problem:
    quoted = line if len(line) <= _QUOTED_LINE else line[:_QUOTED_LINE] + "…"
    return Problem(
        stats.CAPTURES_LINES_UNREAD, f"Line {number} of the answer of the index at {archive.cdx} {why}: {quoted}"
    )


def _capture(fields: Mapping[str, Any], archive: WebArchive) -> Capture | None:
    """A capture from one line's fields, named either style's way; ``None`` without a web URL and a timestamp."""
    url, timestamp = _text(fields, "url", "original"), _text(fields, "timestamp")
    if url is None or timestamp is None or not TIMESTAMP.fullmatch(timestamp):
        return None
    if urlsplit(url).scheme not in WEB_SCHEMES:
        return None
    filename, offset, length = _text(fields, "filename"), _number(fields, "offset"), _number(fields, "length")
    location = WarcLocation(filename, offset, length) if filename and offset is not None and length else None
    return Capture(
        archive=archive.host,
        url=url,
        timestamp=timestamp,
        status=_number(fields, "status", "statuscode"),
        mime=_text(fields, "mime", "mimetype"),
        digest=_text(fields, "digest"),
        location=location,
    )


def _text(fields: Mapping[str, Any], *names: str) -> str | None:
    """The first of ``names`` the line has, as text; ``-`` (the CDX's "none") is ``None``."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, (str, int)) and str(value) not in ("", "-"):
            return str(value)
    return None


def _number(fields: Mapping[str, Any], *names: str) -> int | None:
    value = _text(fields, *names)
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def next_query(query: IndexQuery, answer: CdxAnswer) -> Read[IndexQuery | None]:
    """The question that reads on after ``answer`` to ``query``; ``None`` when the answer was the last.

    A Wayback answer with a resume key is asked again from it; a page count
    leads to page 0 (none when the index has no page); a page to the next,
    up to the count. A page count answered with captures is a pywb index
    that does not page: that answer was the whole. A resume key the index
    gave before would ask the same again forever: the reading stops there,
    and says so.
    """
    if answer.resume_key is not None:
        if answer.resume_key == query.resume_key:
            message = (
                f"The index answered {query.prefix}'s resume key {query.resume_key!r} with itself: read no further"
            )
            return Read(None, (Problem(stats.CAPTURES_INDEX_MESSAGES, message),))
        return Read(IndexQuery(query.prefix, resume_key=answer.resume_key))
    if query.page is None and answer.pages is not None:
        return Read(IndexQuery(query.prefix, page=0, pages=answer.pages) if answer.pages > 0 else None)
    if query.page is not None and query.pages is not None and query.page + 1 < query.pages:
        return Read(IndexQuery(query.prefix, page=query.page + 1, pages=query.pages))
    return Read(None)


@dataclass(frozen=True)
class ArticleCaptures:
    """The whole captures (status 200) of one article, under its canonical URL on the crawl's host, newest first.

    Captures of one second keep the index's order. The road reads
    :attr:`newest`, and when the page objects find that a capture is no
    whole article, :meth:`older_than` it.
    """

    url: str
    captures: tuple[Capture, ...]

    @property
    def newest(self) -> Capture:
        return self.captures[0]

    def older_than(self, capture: Capture) -> Capture | None:
        """The next older capture whose bytes may differ: one with the same digest would be judged the same."""
        later = self.captures[self.captures.index(capture) + 1 :]
        return next((c for c in later if c.digest is None or c.digest != capture.digest), None)


def article_captures(captures: Iterable[Capture], origin: str, aliases: Aliases) -> dict[str, ArticleCaptures]:
    """The captures of each article, by its canonical URL on the crawl's host (``origin``, with ``aliases``).

    Only whole captures (status 200) of pages shaped like an article of the
    site are kept: a redirect (the gate's, the slash's) holds no article. The
    same capture listed twice (two questions whose answers overlap) is kept once.
    """
    found: dict[str, dict[tuple[str, str], Capture]] = {}
    for capture in captures:
        url = _whole_capture_of(capture, origin, aliases)
        if url is None or not is_article_url(url):
            continue
        found.setdefault(url, {}).setdefault((capture.url, capture.timestamp), capture)
    return {url: _newest_first(url, group.values()) for url, group in found.items()}


def page_captures(captures: Iterable[Capture], url: str, origin: str, aliases: Aliases) -> ArticleCaptures:
    """The whole captures of the one page of the site at ``url`` (canonical), of any kind, newest first.

    A capture is of that page when its canonical URL is ``url``; a slice's
    when it asks for the same slice (:func:`vok_crawler.site.slices.parse_slice`:
    the same source id and offset), whatever else its query says (a ``to``,
    a ``sort``). Empty when the archive holds no whole capture of it.
    """
    wanted = parse_slice(url)
    found: dict[tuple[str, str], Capture] = {}
    for capture in captures:
        found_url = _whole_capture_of(capture, origin, aliases)
        if found_url is None:
            continue
        if found_url == url or (wanted is not None and _same_slice(parse_slice(found_url), wanted)):
            found.setdefault((capture.url, capture.timestamp), capture)
    return _newest_first(url, found.values())


def _same_slice(found: Slice | None, wanted: Slice) -> bool:
    return found is not None and (found.source_id, found.start) == (wanted.source_id, wanted.start)


def _whole_capture_of(capture: Capture, origin: str, aliases: Aliases) -> str | None:
    """The canonical URL on the crawl's host of the page a whole capture (status 200) holds; ``None`` for a
    capture that is no whole page (a redirect, an error) or not of the site."""
    if capture.status != 200:
        return None
    url = canonical_url(_without_default_port(capture.url), capture.url, origin, aliases)
    return url if url is not None and is_on_site(url, origin, aliases) else None


def _newest_first(url: str, captures: Iterable[Capture]) -> ArticleCaptures:
    return ArticleCaptures(url, tuple(sorted(captures, key=_timestamp, reverse=True)))


def _timestamp(capture: Capture) -> str:
    return capture.timestamp


def _without_default_port(url: str) -> str:
    """``http://kcnawatch.org:80/...`` as ``http://kcnawatch.org/...``: the same host, as the site's names spell it."""
    parts = urlsplit(url)
    port = DEFAULT_PORTS.get(parts.scheme)
    if port is None or not parts.netloc.endswith(port):
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.removesuffix(port)))


@dataclass(frozen=True)
class CaptureFetch:
    """How a capture's bytes are asked for: a URL, and the ``Range`` header's value when a part of a file."""

    url: str
    byte_range: str | None = None


def capture_fetch(archive: WebArchive, capture: Capture) -> Read[CaptureFetch | None]:
    """Where ``capture`` is read: its raw replay ``{replay}{timestamp}id_/{URL}``, or its WARC record's bytes.

    With a WARC prefix (``VOK_ARCHIVE_WARC``), the record is the bytes the
    index locates in ``{warc}{filename}``; a capture the index gave no
    location for cannot be read so (a problem, and no fetch): such an index
    (the Wayback Machine's) is read through its replay, without the prefix.
    """
    if archive.warc is None:
        return Read(CaptureFetch(f"{archive.replay}{capture.timestamp}id_/{capture.url}"))
    location = capture.location
    if location is None:
        message = (
            f"The index at {archive.cdx} gives no WARC file, offset and length for {capture.url} "
            f"({capture.timestamp}): it cannot be read from {archive.warc}; unset VOK_ARCHIVE_WARC to read its replay"
        )
        return Read(None, (Problem(stats.CAPTURES_WITHOUT_LOCATION, message),))
    return Read(CaptureFetch(archive.warc + quote(location.filename, safe="/"), location.byte_range))
