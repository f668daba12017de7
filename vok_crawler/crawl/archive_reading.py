"""Reading the site's articles from a web archive: the index asked, each article's newest whole capture read.

One owner for the archive road (``-a road=archive``: a period's postings)
and for ``-a fill=archive`` (an article the live site refused, looked up
exactly). A look-up is a set of questions to the index
(:func:`~vok_crawler.site.archive_index.period_queries`, or
:func:`~vok_crawler.site.archive_index.article_queries` on every host name
of the site), each read to its end the index's way
(:func:`~vok_crawler.site.captures.next_query`); once its last answer is
in, the whole captures are grouped by article
(:func:`~vok_crawler.site.captures.article_captures`) and each article's
newest is asked for (:func:`~vok_crawler.crawl.capture_reading.capture_request`).

A capture is judged by the page objects, as a live page: the NK Pro gate,
a page that is no article, or one not understood is passed over for the
next older capture (:meth:`~vok_crawler.site.captures.ArticleCaptures.older_than`),
as is a capture the archive could not give (an error, a bot check, bytes
that are no record). A whole one goes to the spider's reading of articles
(:meth:`~vok_crawler.crawl.roads.road.Routes.parse_article`), which writes
its record with ``capture`` set, or drops and counts it when its source is
not the crawl's. An article none of whose captures is whole is counted; on
the archive road it is told to the ledger (gated when the oldest of its
captures was the gate, else pending); a filled article keeps what the live
site gave it (gone, gated, pending).

Every request goes to the archive (its own download slot, :func:`~vok_crawler.crawl.capture_reading.archive_meta`),
none to the live site; each is a road's own (:data:`~vok_crawler.crawl.roads.road.ROAD_OWN`),
so its failure is never the site's refusal; they are asked one at a time,
in order (:meth:`ArchiveReading._next`). The requests made are the
look-ups' index questions and their pages, one a capture read, and the
captures passed over.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from uuid import uuid4

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.capture_reading import CAPTURE, archive_meta, capture_request
from vok_crawler.crawl.config import has_session, whole_number_setting
from vok_crawler.crawl.failures import GONE
from vok_crawler.crawl.refusals import InARow
from vok_crawler.crawl.request_urls import SITE_URL, asked_url
from vok_crawler.crawl.roads.road import ROAD_OWN
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.finish_reasons import ARCHIVE_REFUSED
from vok_crawler.site.archive_index import IndexQuery, WebArchive, article_queries, index_url, site_hosts
from vok_crawler.site.captures import ArticleCaptures, Capture, CdxAnswer, article_captures, next_query, parse_cdx
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.problems import Read
from vok_crawler.site.urls import Aliases

if TYPE_CHECKING:
    from vok_crawler.crawl.roads.road import Output, Routes

logger = logging.getLogger(__name__)

ARCHIVE_STEP = "vok_archive_step"  # request.meta: a question to a web archive's index, or a capture read from it
ARCHIVE_LOOKUP = "vok_archive_lookup"  # request.meta: the look-up it belongs to (PERIOD, or the article's URL)
INDEX_QUERY = "vok_index_query"  # request.meta: the index's question, to read on from its answer
ARCHIVE_RUN = "vok_archive_run"  # request.meta: the run that asked it (a JOBDIR queue may hand back an earlier run's)
PERIOD = "period"  # the archive road's one look-up: the period's postings
FILL_FROM_ARCHIVE = "archive"  # -a fill=archive
# What the live site answered that -a fill=archive reads from the archive instead; and the gate, without a session.
FILLED_KINDS = frozenset({*GONE, "bot_check", "http_403"})
ARCHIVE_REFUSALS = frozenset({"http_403", "http_429"})  # an archive's answers that count as its refusing the crawl


@dataclass
class Lookup:
    """One look-up: its questions not read to their end yet, the captures answered so far, and the article it
    is for (``None``: every article the answers list, the archive road's period)."""

    article: str | None
    unanswered: int = 0
    captures: list[Capture] = field(default_factory=list)


class ArchiveReading:
    """The look-ups of a crawl in a web archive, and the captures read for them (see the module)."""

    def __init__(
        self,
        archive: WebArchive,
        start_url: str,
        aliases: Aliases,
        crawler: Crawler,
        callback: Callable[[Response], Any],
        errback: Callable[[Any], Any],
    ) -> None:
        self.archive = archive
        self.start_url = start_url
        self.aliases = aliases
        self.crawler = crawler
        self.callback = callback
        self.errback = errback
        self.hosts = site_hosts(start_url, aliases)
        self.lookups: dict[str, Lookup] = {}
        self.articles: dict[str, ArticleCaptures] = {}  # the articles whose captures are being read
        self.limit = whole_number_setting(crawler.settings, "VOK_BLOCKED_AFTER")
        self.refusals: dict[str, InARow] = {}  # by host of the archive: its refusals in a row
        self.stopping = False  # an archive refused for good: the run is closing, nothing more is asked
        self.queue: deque[Request] = deque()  # what is to be asked of the archive, one request at a time
        self.asking = False  # a request of the archive is under way
        self.run = uuid4().hex  # this run's requests say so: a paused run's (JOBDIR) come back with another

    @property
    def counters(self) -> StatsCollector:
        """The crawl's counters (its stats exist once the crawl starts, after the spider is made)."""
        assert self.crawler.stats is not None
        return self.crawler.stats

    def look_up(self, key: str, queries: tuple[IndexQuery, ...], article: str | None = None) -> Iterator[Request]:
        """The questions of a new look-up, each read to its end before the captures are chosen."""
        if key not in self.lookups:
            self.lookups[key] = Lookup(article, unanswered=len(queries))
            self.queue.extend(self._index_request(key, query) for query in queries)
        yield from self._next()

    def _next(self) -> Iterator[Request]:
        """The archive's next request, once the one under way has been answered: one at a time, in order, so
        that a refusing archive is asked no more than its refusals in a row allow (``VOK_BLOCKED_AFTER``)."""
        if not self.asking and self.queue and not self.stopping:
            self.asking = True
            yield self.queue.popleft()

    def fill(self, url: str) -> Iterator[Request]:
        """The look-up of one article the live site refused: its canonical URL on every host name of the site."""
        logger.info("Looking %s up in the web archive at %s", url, self.archive.cdx)
        yield from self.look_up(url, article_queries(url, self.hosts), article=url)

    def _index_request(self, key: str, query: IndexQuery) -> Request:
        meta = {**archive_meta(), ARCHIVE_STEP: "index", ARCHIVE_LOOKUP: key, INDEX_QUERY: query, ROAD_OWN: True}
        meta[ARCHIVE_RUN] = self.run
        # Each question is asked once by construction; never dropped as a duplicate, which would hold the queue.
        url = index_url(self.archive, query)
        return Request(url, callback=self.callback, errback=self.errback, meta=meta, dont_filter=True)

    def page(self, response: Response, routes: Routes) -> Output:
        """An answer of the archive: the index's, or a capture's; then the next request."""
        if not asked_by(self.run, response.meta):
            return
        self.asking = False
        self._in_a_row(response.url).answered()
        if response.meta[ARCHIVE_STEP] == "index":
            self._index_answer(response, routes)
        else:
            yield from self._capture(response, routes)
        yield from self._next()

    def failed(self, request: Request, kind: str, routes: Routes) -> Iterator[Request]:
        """A question or a capture that failed for good (logged and counted already): what follows.

        A refusal (403, 429 after their retries) counts against the archive's host as the site's count against
        it (:class:`~vok_crawler.crawl.refusals.InARow`, ``VOK_BLOCKED_AFTER``): enough in a row end the run
        as ``archive_refused``, and what was not read stays as it is.
        """
        if not asked_by(self.run, request.meta):
            return
        self.asking = False
        if self.stopping:
            return
        if kind in ARCHIVE_REFUSALS and self._in_a_row(request.url).refused():
            self.stopping = True
            logger.error(
                "The web archive at %s has refused %d requests in a row (the last, %s: %s): stopping; %s",
                urlsplit(request.url).netloc,
                self.limit,
                request.url,
                kind,
                advice(ARCHIVE_REFUSED),
            )
            stop_crawl(self.crawler, ARCHIVE_REFUSED)
            return
        if request.meta[ARCHIVE_STEP] == "index":
            self.counters.inc_value(stats.WEB_ARCHIVE_INDEX_FAILED)
            logger.warning(
                "The web archive's index could not answer %s (%s): its captures are not read in this run",
                request.url,
                kind,
            )
            self._answered(request.meta[ARCHIVE_LOOKUP], routes)
        else:
            self._older(asked_url(request), request.meta[CAPTURE], f"not given ({kind})", routes)
        yield from self._next()

    def _in_a_row(self, url: str) -> InARow:
        return self.refusals.setdefault(urlsplit(url).netloc, InARow(self.limit))

    def _index_answer(self, response: Response, routes: Routes) -> None:
        key, query = response.meta[ARCHIVE_LOOKUP], response.meta[INDEX_QUERY]
        self.counters.inc_value(stats.WEB_ARCHIVE_INDEX_ANSWERS)
        answer = index_answer(response, self.archive).reported(self.counters)
        self.lookups[key].captures += answer.captures
        following = next_query(query, answer).reported(self.counters)
        if following is not None:
            self.queue.appendleft(self._index_request(key, following))  # its next page, before any other question
            return
        self._answered(key, routes)

    def _answered(self, key: str, routes: Routes) -> None:
        """One question of the look-up read to its end; after its last, each article's newest whole capture."""
        lookup = self.lookups[key]
        lookup.unanswered -= 1
        if lookup.unanswered > 0:
            return
        found = article_captures(lookup.captures, self.start_url, self.aliases)
        lookup.captures = []
        if lookup.article is not None:
            found = {url: captures for url, captures in found.items() if url == lookup.article}
            if not found:
                self._not_found(lookup.article, "the archive holds no whole capture of it")
        else:
            found = {url: found[url] for url in routes.requests.unknown(sorted(found))}
            self.counters.inc_value(stats.WEB_ARCHIVE_ARTICLES, len(found))
            for url in found:
                routes.memory.ledger.first_request(url)
                routes.memory.ledger.asked(url)
        for url, captures in found.items():
            self.articles[url] = captures
            self._read(url, captures.newest, routes)

    def _read(self, url: str, capture: Capture, routes: Routes, first: bool = False) -> None:
        """The request for a capture of the article at ``url`` queued (``first``: before the others, an older
        capture of the article just judged); an older one when this one cannot be asked."""
        meta = {ARCHIVE_STEP: "capture", SITE_URL: url, ROAD_OWN: True, ARCHIVE_RUN: self.run}
        asked = capture_request(self.archive, capture, callback=self.callback, errback=self.errback, meta=meta)
        request = asked.reported(self.counters)
        if request is None:
            self._older(url, capture, "not located in a WARC file", routes)
        elif first:
            self.queue.appendleft(request)
        else:
            self.queue.append(request)

    def _capture(self, response: Response, routes: Routes) -> Output:
        """A capture of an article: read as a live page when whole, else the next older one is asked for."""
        url, capture = asked_url(response), response.meta[CAPTURE]
        page = routes.requests.page(ArticlePage, response)
        why = not_whole(page)
        if why is not None:
            self._older(url, capture, why, routes)
            return
        self.counters.inc_value(stats.WEB_ARCHIVE_CAPTURES_READ)
        self.articles.pop(url, None)
        if self.lookups.get(url) is not None:
            self.counters.inc_value(stats.WEB_ARCHIVE_FILL_FOUND)
            logger.info("Read %s from its capture of %s in %s", url, capture.timestamp, capture.archive)
        yield from routes.parse_article(response)

    def _older(self, url: str, capture: Capture, why: str, routes: Routes) -> None:
        """The capture was no whole article: the next older one; none left, the article is not found."""
        self.counters.inc_value(stats.WEB_ARCHIVE_CAPTURES_SKIPPED)
        logger.info(
            "The capture of %s of %s in %s is %s: reading the next older", capture.timestamp, url, capture.archive, why
        )
        captures = self.articles[url]
        older = captures.older_than(capture)
        if older is not None:
            self._read(url, older, routes, first=True)
            return
        del self.articles[url]
        self._not_found(url, f"none of its {len(captures.captures)} whole capture(s) is the article")
        if url not in self.lookups:  # the road's: told here; a filled article keeps what the live site gave it
            routes.memory.ledger.tell(url, "gated" if why == GATE else "failed")

    def _not_found(self, url: str, why: str) -> None:
        self.counters.inc_value(stats.WEB_ARCHIVE_NO_WHOLE_CAPTURE)
        if url in self.lookups:
            self.counters.inc_value(stats.WEB_ARCHIVE_FILL_NOT_FOUND)
        logger.warning("Not read from the web archive at %s: %s, %s", self.archive.cdx, url, why)


GATE = "the NK Pro gate"


def asked_by(run: str, meta: Mapping[str, Any]) -> bool:
    """Whether the run ``run`` asked the request of ``meta``: a request of a paused run (``JOBDIR``) belongs to
    look-ups that run held in memory; this run asks its own again (its questions from the first, its articles not
    in the corpus)."""
    if meta.get(ARCHIVE_RUN) == run:
        return True
    asked = meta.get(SITE_URL) or meta.get(INDEX_QUERY)
    logger.info("Leaving the answer to %s: an earlier run asked it, and this run asks its own", asked)
    return False


def filled(reading: ArchiveReading | None, url: str, kind: str, routes: Routes) -> Iterator[Request]:
    """With ``-a fill=archive`` (``reading``), the look-up of an article the live site refused so (an error's
    kind, or ``gated``): gone, gated without a session, a bot check or a 403; not one the corpus holds
    (withdrawn from the site, and kept)."""
    if reading is None or url in routes.memory.ledger.corpus:
        return
    if kind in FILLED_KINDS or (kind == "gated" and not has_session(routes.crawler.settings)):
        yield from reading.fill(url)


def index_answer(response: Response, archive: WebArchive) -> Read[CdxAnswer]:
    """The index's answer to a question, whatever type it was served as (pywb's NDJSON may come as no text)."""
    text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
    return parse_cdx(text, archive)


def not_whole(page: ArticlePage | None) -> str | None:
    """Why a capture is no whole article, by the page objects (as the crawl's reader judges a live page); ``None``
    for a whole one."""
    if page is None:
        return "no HTML page"
    if nk_pro_gate(page):
        return GATE
    if not page.is_article():
        return "no article (neither an article, a listing nor the gate)"
    why = page.not_understood()
    return f"not understood ({why})" if why else None
