"""The probe's ``--archive``: each page it reads asked of a web archive's index, then read from its newest capture.

For each page the probe's routing asks for (the start URL, the next slice,
the listing's first article), the index is asked for the page's captures
under each of the site's host names, as an article's are asked
(:func:`~vok_crawler.site.archive_index.article_queries`: the page's path,
whatever its query), each answer read to its end the index's way
(:func:`~vok_crawler.site.captures.next_query`). The whole captures of that
page are kept, newest first (:func:`~vok_crawler.site.captures.page_captures`:
a slice's by its source id and offset, whatever ``to`` or ``sort`` the
capture asked with), and the newest is asked for as the crawl asks for a
capture (:func:`~vok_crawler.crawl.capture_reading.capture_request`, in the
archives' own download slot, as the index's questions) and read, as the
site's own answer under the URL captured, by the very callback that reads
the live page. Nothing is asked of the site itself. A capture of an article
that is no whole article, by the archive road's judge (the gate, no
article, not understood), is passed over for the next older one
(:meth:`ArchiveLookups.older`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import scrapy
from scrapy.http import Response

from vok_crawler.crawl.archive_reading import index_answer, not_whole
from vok_crawler.crawl.capture_reading import CAPTURE, archive_meta, capture_request
from vok_crawler.crawl.probe.model import Kind, PageSeen, Probe
from vok_crawler.crawl.request_urls import SITE_URL, asked_url
from vok_crawler.crawl.roads.road import ROAD_OWN
from vok_crawler.site.archive_index import IndexQuery, WebArchive, article_queries, index_url, site_hosts
from vok_crawler.site.captures import ArticleCaptures, Capture, next_query, page_captures
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.urls import Aliases

LOOKUP = "vok_probe_lookup"  # request.meta: the page of the site asked of the archive (a Lookup)
# An index that holds nothing for a question: pywb answers 200 and nothing, Common Crawl 404 and a message.
INDEX_STATUSES = [404]


@dataclass(frozen=True)
class Lookup:
    """One page of the site asked of the archive: which, the questions left, and what the index answered so far.

    ``found``, once the index has answered every question, is the page's
    whole captures, newest first (the one being read is the request's
    :data:`~vok_crawler.crawl.capture_reading.CAPTURE`).
    """

    kind: Kind
    url: str  # the page's canonical URL on the site, as the crawl asks for it
    query: IndexQuery  # the question being asked
    queries: tuple[IndexQuery, ...]  # the questions after it (the site's other host names)
    captures: tuple[Capture, ...] = ()
    found: ArticleCaptures | None = None


def lookup_of(message: scrapy.Request | Response) -> Lookup | None:
    """The page of the site a request (or its response) asked the archive for; ``None`` for a live request."""
    lookup = message.meta.get(LOOKUP)
    return lookup if isinstance(lookup, Lookup) else None


def site_url(message: scrapy.Request | Response) -> str:
    """The site's URL a page was asked for: the crawl's request, or the page whose capture was asked."""
    lookup = lookup_of(message)
    return lookup.url if lookup is not None else asked_url(message)


def capture_of(message: scrapy.Request | Response) -> Capture | None:
    """The capture a request asked the archive for (a response read as the site's page from it)."""
    capture = message.meta.get(CAPTURE)
    return capture if isinstance(capture, Capture) else None


class ArchiveLookups:
    """The probe's questions to the archive's index and the captures it reads, for the pages its routing asks.

    ``callbacks`` are the probe's readers by kind of page (the start URL's
    reads any kind), ``errback`` its reader of failures.
    """

    def __init__(
        self,
        archive: WebArchive,
        start_url: str,
        aliases: Aliases,
        probe: Probe,
        callbacks: Mapping[Kind, Callable[[Response], Any]],
        errback: Callable[[Any], Any],
    ) -> None:
        self.archive = archive
        self.start_url = start_url
        self.aliases = aliases
        self.probe = probe
        self.callbacks = callbacks
        self.errback = errback
        self.hosts = site_hosts(start_url, aliases)

    def ask(self, kind: Kind, url: str) -> scrapy.Request:
        """The first question to the index for the page at ``url``: its captures under the crawl's host name."""
        first, *others = article_queries(url, self.hosts)
        return self._index_request(Lookup(kind, url, first, tuple(others)))

    def _index_request(self, lookup: Lookup) -> scrapy.Request:
        self.probe.archive_asked.index += 1
        # A host of the probe's own (ROAD_OWN): not dropped as off the site, nor judged by its redirect rules.
        meta = {**archive_meta(), LOOKUP: lookup, ROAD_OWN: True, "handle_httpstatus_list": INDEX_STATUSES}
        url = index_url(self.archive, lookup.query)
        # Not filtered: two pages under one path (a slice and the next) ask the index the same question.
        return scrapy.Request(url, callback=self.index_answer, errback=self.errback, meta=meta, dont_filter=True)

    def index_answer(self, response: Response) -> Iterator[scrapy.Request]:
        """The index's answer: the next question (a page of a long answer, another host name), or, after the last,
        the newest whole capture of the page; with none, the page is one the archive holds no capture of."""
        lookup = lookup_of(response)
        assert lookup is not None, "an answer of the index is to a lookup's question"
        read = index_answer(response, self.archive)
        following = next_query(lookup.query, read.value)
        self.probe.notes += [problem.message for problem in (*read.problems, *following.problems)]
        captures = (*lookup.captures, *read.value.captures)
        queries = (*((following.value,) if following.value is not None else ()), *lookup.queries)
        if queries:
            yield self._index_request(replace(lookup, query=queries[0], queries=queries[1:], captures=captures))
            return
        found = page_captures(captures, lookup.url, self.start_url, self.aliases)
        if not found.captures:
            self._unread(lookup).uncaptured = True
            return
        yield from self._read(replace(lookup, captures=(), found=found), found.newest)

    def whole(self, response: Response, page: ArticlePage, seen: PageSeen) -> Iterator[scrapy.Request]:
        """For a capture that is no whole article, judged as the archive road judges one
        (:func:`~vok_crawler.crawl.archive_reading.not_whole`: the gate, no article, not understood), the next
        older capture of the article, to read instead; none for a whole one."""
        yield from self.older(response, not_whole(page), seen)

    def older(self, message: scrapy.Request | Response, why: str | None, seen: PageSeen) -> Iterator[scrapy.Request]:
        """The next older capture of the page whose capture ``message`` asked for or gave, when ``why`` says why
        that one is not read (no whole article, or not given by the archive); none when there is none, and that
        capture stands as what the archive holds."""
        lookup, capture = lookup_of(message), capture_of(message)
        older = lookup.found.older_than(capture) if lookup and lookup.found and capture else None
        if why is None or lookup is None or capture is None or older is None:
            return
        self.probe.notes.append(
            f"{seen.kind}: the capture of {capture.timestamp} is {why}; read the next older one, of {older.timestamp}"
        )
        yield from self._read(lookup, older)

    def _unread(self, lookup: Lookup) -> PageSeen:
        """The page a lookup was for, as the probe saw it when no capture of it could be read: by the kind it was
        asked as (a start URL's kind is known only from its page)."""
        return self.probe.pages.setdefault(lookup.kind, PageSeen(lookup.kind, lookup.url))

    def _read(self, lookup: Lookup, capture: Capture) -> Iterator[scrapy.Request]:
        """The request for ``capture``, read by the page's callback; a capture that cannot be read from this
        archive (no place of its WARC record in the index) is the page's error."""
        # The archive's host is the probe's own (not dropped as off the site); the page read is the site's.
        meta = {LOOKUP: lookup, ROAD_OWN: True, SITE_URL: lookup.url}
        request = capture_request(
            self.archive, capture, callback=self.callbacks[lookup.kind], errback=self.errback, meta=meta
        )
        if request.value is None:
            self._unread(lookup).error = "; ".join(problem.message for problem in request.problems)
            return
        self.probe.archive_asked.captures += 1
        yield request.value
