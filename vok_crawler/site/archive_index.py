"""Where a web archive is, and the questions its capture index is asked.

The Internet Archive's Wayback Machine, Common Crawl and any pywb answer
the same family of index queries (the CDX API): the captures of the URLs
under a prefix, one per line. This module reads the three settings that
say where an archive is (:class:`WebArchive`), and turns a question (which
URLs; which part of a long answer) into the index's URL (:func:`index_url`).
What the index answers is read by :mod:`vok_crawler.site.captures`. Nothing
here makes a request or touches a file.

The two kinds of index server differ in two ways, and the kind is read
from the endpoint (:attr:`WebArchive.style`):

- ``"wayback"``, the Wayback Machine's CDX server (its path is
  ``/cdx/search/cdx``): a filter is a regular expression on a field
  (``filter=statuscode:200``); a long answer is read ``limit`` lines at a
  time, each answer ending with a resume key when more remain
  (``showResumeKey=true``, then ``resumeKey=KEY``). Its pagination API
  reads a secondary index that may lag behind the main one, so it is not
  used.
- ``"pywb"``, pywb and Common Crawl's index (built on pywb): a filter
  ``=field:value`` is an exact match (``filter==status:200``); a long
  answer comes in pages, whose number ``showNumPages=true`` tells
  (``{"pages": N, ...}``), read as ``page=0`` to ``N-1``. pywb 2.10 pages
  only a ZipNum index (as Common Crawl's): over a plain index it ignores
  ``showNumPages`` and ``page`` and answers every capture at once, neither
  filtered nor limited, so the answer to the page count is then the whole
  answer (the captures of an article keep only its whole ones). No
  ``limit`` is sent to this kind: it cuts a page without saying so.

Both index the URLs by their SURT form (host reversed, without ``www.``,
the path without its trailing slash), so one prefix finds every spelling
of a page: ``http`` or ``https``, ``www.`` or not, with or without the
slash, with tracking parameters. The site's host names other than ``www.``
forms (``VOK_HOST_ALIASES``) are asked one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

from vok_crawler.site.processors import KOREA
from vok_crawler.site.urls import WEB_SCHEMES, Aliases, site_host

CdxStyle = Literal["wayback", "pywb"]
WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"  # VOK_ARCHIVE_CDX's default
WAYBACK_REPLAY = "https://web.archive.org/web/"  # VOK_ARCHIVE_REPLAY's default: {prefix}{timestamp}id_/{URL}
WAYBACK_CDX_PATH = "/cdx/search/cdx"  # the path of the Wayback Machine's CDX server, wherever it is deployed
# Lines of a Wayback answer before its resume key: a day of the whole site's postings fits in one answer.
WAYBACK_LIMIT = 10_000
ARTICLES_PATH = "/newstream/"  # where the site's articles are: /newstream/<epoch>-<id>/<slug>/


@dataclass(frozen=True)
class WebArchive:
    """Where a web archive is: its index, its raw captures, and perhaps its WARC files.

    ``cdx`` is the index's endpoint (``VOK_ARCHIVE_CDX``); ``replay`` the
    prefix of a raw capture, ``{replay}{timestamp}id_/{URL}``
    (``VOK_ARCHIVE_REPLAY``); ``warc``, when set (``VOK_ARCHIVE_WARC``), the
    prefix from which a capture's WARC record is read by byte range,
    ``{warc}{filename}``, as Common Crawl serves them. ``limit`` is the
    length of a Wayback answer; ``page_size`` the ZipNum blocks of a pywb
    page (the server's own default when ``None``).
    """

    cdx: str
    replay: str = WAYBACK_REPLAY
    warc: str | None = None
    limit: int = WAYBACK_LIMIT
    page_size: int | None = None

    @classmethod
    def from_settings(cls, cdx: str, replay: str, warc: str = "") -> WebArchive:
        """The three settings' values, read strictly: ``ValueError`` naming the setting and what it must be.

        The index is an ``http(s)`` URL without query (the crawler writes
        its own); the two prefixes end with ``/``, since a timestamp or a
        file name is appended to them as it is. An empty ``warc`` is no
        WARC prefix: captures are read from ``replay``.
        """
        _check_address("VOK_ARCHIVE_CDX", cdx, prefix=False)
        _check_address("VOK_ARCHIVE_REPLAY", replay, prefix=True)
        if warc:
            _check_address("VOK_ARCHIVE_WARC", warc, prefix=True)
        return cls(cdx, replay, warc or None)

    @property
    def style(self) -> CdxStyle:
        """How the index is asked: the Wayback Machine's CDX server by its path, else pywb's (Common Crawl's)."""
        return "wayback" if urlsplit(self.cdx).path.rstrip("/").endswith(WAYBACK_CDX_PATH) else "pywb"

    @property
    def host(self) -> str:
        """The index's host, as a record names the archive it was read from (``web.archive.org``)."""
        return urlsplit(self.cdx).netloc.lower()


def _check_address(setting: str, value: str, prefix: bool) -> None:
    parts = urlsplit(value)
    if parts.scheme not in WEB_SCHEMES or not parts.netloc or parts.fragment:
        raise ValueError(f"setting {setting} must be an http or https URL, not {value!r}")
    if prefix and not value.endswith("/"):
        raise ValueError(f"setting {setting} is a prefix and must end with '/': {value!r}")
    if not prefix and parts.query:
        raise ValueError(f"setting {setting} must be the index's URL without a query: {value!r}")


@dataclass(frozen=True)
class IndexQuery:
    """One question to the index: the captures of the URLs under ``prefix``, and which part of the answer.

    ``prefix`` is a host and a path, without scheme
    (``kcnawatch.org/newstream/17723``). A first question has no paging
    state; the next one (:func:`vok_crawler.site.captures.next_query`)
    carries the Wayback resume key, or the pywb page and the number of
    pages the index said it has.
    """

    prefix: str
    resume_key: str | None = None
    page: int | None = None
    pages: int | None = None


def index_url(archive: WebArchive, query: IndexQuery) -> str:
    """The index's URL for ``query``: JSON output, status 200 only, a prefix match, paged the server's way."""
    head = urlencode({"url": query.prefix, "matchType": "prefix", "output": "json"})
    if archive.style == "wayback":
        # The key comes from the server as it must be sent back (already escaped): quoting it again would break it.
        resume = f"&resumeKey={quote(query.resume_key, safe='%+')}" if query.resume_key is not None else ""
        return f"{archive.cdx}?{head}&filter=statuscode:200&limit={archive.limit}&showResumeKey=true{resume}"
    size = f"&pageSize={archive.page_size}" if archive.page_size is not None else ""
    paging = "&showNumPages=true" if query.page is None else f"&page={query.page}"
    return f"{archive.cdx}?{head}&{urlencode({'filter': '=status:200'})}{size}{paging}"


def site_hosts(origin: str, aliases: Aliases) -> tuple[str, ...]:
    """The host names under which the index is asked for the site: the crawl's own, then the aliases.

    As :func:`vok_crawler.site.urls.site_host` spells them (without ``www.``,
    which the index's SURT keys leave out too), each once.
    """
    return tuple(dict.fromkeys([site_host(urlsplit(origin).netloc), *aliases]))


def article_queries(url: str, hosts: tuple[str, ...]) -> tuple[IndexQuery, ...]:
    """The questions that find every capture of the article at ``url``, under each of the site's host names.

    One prefix a host: the article's path without its trailing slash, so
    that the spellings with and without it (and with tracking parameters)
    are all found, in one request. A longer slug under the same prefix is
    another article: captures are grouped by their canonical URL
    (:func:`vok_crawler.site.captures.article_captures`).
    """
    path = urlsplit(url).path.rstrip("/")
    return tuple(IndexQuery(f"{host}{path}") for host in hosts)


def period_queries(hosts: tuple[str, ...], first: date, last: date) -> tuple[IndexQuery, ...]:
    """The questions that find every article the site posted from ``first`` to ``last`` (Korea days), each host."""
    return tuple(
        IndexQuery(f"{host}{ARTICLES_PATH}{prefix}") for host in hosts for prefix in posting_prefixes(first, last)
    )


def posting_prefixes(first: date, last: date) -> tuple[str, ...]:
    """The epoch prefixes of the articles posted from ``first`` to ``last``, both included, days in Korea time.

    An article's URL holds the Unix time of its posting
    (``/newstream/<epoch>-<id>/``), so the postings of a Korea day are the
    epochs from its midnight at UTC+9, for 86,400 seconds; a period is one
    range, from its first day's midnight to the one after its last day.
    """
    start = int(datetime.combine(first, time(), KOREA).timestamp())
    end = int(datetime.combine(last + timedelta(days=1), time(), KOREA).timestamp())
    return epoch_prefixes(start, end)


def epoch_prefixes(start: int, end: int) -> tuple[str, ...]:
    """The fewest decimal prefixes whose numbers are exactly the integers of ``[start, end)``.

    Greedy from ``start``: each step takes the largest block of ``10**k``
    numbers that begins there and ends within the range (a prefix of the
    digits but the last ``k``, at least one); numbers of fewer digits get
    prefixes of their own length. Epochs have had ten digits since
    September 2001; a shorter prefix also matches longer numbers, so a
    range below that also finds epochs centuries ahead, which no article
    has. ``ValueError`` for a range that does not begin at 1 or later.
    """
    if start < 1 or end < start:
        raise ValueError(f"no range of positive epochs: [{start}, {end})")
    prefixes = []
    while start < end:
        size = 10 ** (len(str(start)) - 1)  # an aligned block never crosses to more digits: 10**digits is aligned too
        while size > 1 and (start % size or start + size > end):
            size //= 10
        prefixes.append(str(start // size))
        start += size
    return tuple(prefixes)
