"""The ``vok`` spider: routing only.

It follows the listing's teasers, every "More Articles" slice and the
"More From ..." teasers of article pages, on the start URL's own site and
nothing else. What a page holds is read by :mod:`vok_crawler.pages`; what
is already known comes from the corpus (:class:`vok_crawler.corpus.Corpus`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler.config import switch
from vok_crawler.corpus import NO_STATE, Corpus
from vok_crawler.errors import GONE, TRANSIENT, BadConfiguration, error_kind
from vok_crawler.items import Article, Teaser
from vok_crawler.pages import ARTICLE_MARKERS, ArticlePage, SitePage
from vok_crawler.urls import canonical_url, is_on_site

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://kcnawatch.org/article/163/"


def utc_now() -> str:
    """ISO 8601 in UTC, to the second, with its zone (``...Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class VokSpider(scrapy.Spider):
    """Voice of Korea (EN) on KCNA Watch.

    Arguments (``-a``): ``start_url`` a source listing (default, the live
    one), a "More Articles" slice or an article page; ``refresh=1`` fetch
    known articles again and walk the whole listing; ``since=YYYY-MM-DD``
    only articles posted on or after that day. Unknown arguments (as
    Scrapyd passes) are accepted and kept as attributes.

    With a corpus, the crawl is incremental: known articles are not fetched,
    and the listing is walked only until a slice holds no unknown article,
    unless the last run did not complete (then it walks to the end).
    """

    name = "vok"
    corpus: Corpus | None = None

    def __init__(self, start_url: str = DEFAULT_START_URL, refresh: str = "0", since: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = canonical_url(start_url, start_url, start_url)
        if self.start_url is None:
            raise BadConfiguration(f"start_url must be an http(s) URL, not {start_url!r}")
        try:
            self.since = date.fromisoformat(since).isoformat() if since else None
        except ValueError:
            raise BadConfiguration(f"since must be a date as YYYY-MM-DD, not {since!r}") from None
        self.refresh = switch("refresh", refresh)
        self.allowed_domains = [urlsplit(self.start_url).hostname]
        self.site = urlsplit(self.start_url).netloc.replace(":", "_")  # for VOK_CORPUS's %(site)s
        self._requested: set[str] = set()
        self.failed: set[str] = set()  # articles to try again next run
        self.skipped: set[str] = set()  # pages that are no record: another source, or gone
        self.listing_failed = False
        self.was_complete = False  # read from the corpus's state when the crawl starts
        self.walk_all = True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.corpus = Corpus.of(self.crawler)
        state = self.corpus.read_state() if self.corpus else NO_STATE
        self.was_complete = bool(state.get("complete"))
        self.skipped.update(state.get("skipped", []))
        self.walk_all = self.refresh or not self.was_complete
        if self.corpus:
            logger.info(
                "Corpus knows %d articles; %s", len(self.corpus.urls),
                "walking the whole listing" if self.walk_all else "walking the listing until a slice holds nothing new",
            )
            self._write_state(complete=False, pending=state.get("pending", []), reason="running")
        for request in self._follow([self.start_url], self.parse):
            yield request
        for request in self._follow(self._unknown(state.get("pending", [])), self.parse_article):
            yield request

    def parse(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page, of any kind: its markup tells which."""
        if isinstance(response, TextResponse) and response.css(ARTICLE_MARKERS):
            return self.parse_article(response)
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A source listing or a "More Articles" slice: teasers, then the next slices."""
        page = self._page(SitePage, response)
        if page is None:
            return
        teasers = page.teasers()
        self.crawler.stats.inc_value("vok/pages/listing")
        self.crawler.stats.inc_value("vok/teasers/listing", len(teasers))
        wanted = self._not_before_since(teasers)
        unknown = self._unknown(teaser.url for teaser in wanted)
        yield from self._follow(unknown, self.parse_article)
        if teasers and not wanted:  # only dated teasers are ever left out
            self._stop(response, f"every article on it is older than {self.since}")
            return
        if teasers and not unknown and not self.walk_all:
            self._stop(response, "no article on it is new")
            return
        more = page.more_articles_urls()
        for url in more:
            if url in self._requested:
                logger.info("More Articles on %s points back to %s, crawled already", response.url, url)
                self.crawler.stats.inc_value("vok/links/slice_seen_again")
        yield from self._follow(more, self.parse_listing)

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """An article: its record if the source is ours, then its "More From" teasers."""
        page = self._page(ArticlePage, response)
        if page is None:
            return
        self.crawler.stats.inc_value("vok/pages/article")
        item = page.to_item(crawled_at=utc_now())
        self._requested.add(item.url)  # its canonical spelling may be linked too
        wanted = self.settings.get("VOK_SOURCE")
        if item.source != wanted:
            logger.info("Skipping %s: source is %r, not %r", response.url, item.source, wanted)
            self.crawler.stats.inc_value("vok/skipped/other_source")
            self.skipped.add(response.url)
            return
        if self.since and item.posted and item.posted < self.since:
            self.crawler.stats.inc_value("vok/skipped/before_since")
            return
        yield item
        related = self._unknown(teaser.url for teaser in self._not_before_since(item.related))
        yield from self._follow(related, self.parse_article)
        if self.walk_all:  # else the listing's own walk decides how far to go
            yield from self._follow(page.more_articles_urls(), self.parse_listing)

    def on_error(self, failure: Failure) -> None:
        """A request that failed for good: log it, count it by kind, remember what to retry."""
        request = failure.request
        kind = error_kind(failure)
        self.crawler.stats.inc_value(f"vok/errors/{kind}")
        level = logging.WARNING if kind in TRANSIENT else logging.INFO
        logger.log(level, "Giving up on %s: %s (%s)", request.url, kind, failure.getErrorMessage())
        if kind in GONE:
            self.skipped.add(request.url)
        if kind not in TRANSIENT:
            return
        if request.callback == self.parse_article:
            self.failed.add(request.url)
        else:
            self.listing_failed = True

    def closed(self, reason: str) -> None:
        """Remember whether the listing was walked to its end, and what failed."""
        if not self.corpus:
            return
        walked = reason == "finished" and not self.listing_failed
        complete = walked and (self.since is None or self.was_complete)
        self._write_state(complete=complete, pending=sorted(self.failed - self.corpus.urls), reason=reason)

    def _write_state(self, complete: bool, pending: Iterable[str], reason: str) -> None:
        self.corpus.write_json(
            "state",
            {
                "complete": complete,
                "pending": list(pending),
                "skipped": sorted(self.skipped),
                "finish_reason": reason,
                "at": utc_now(),
            },
        )

    def _stop(self, response: Response, why: str) -> None:
        logger.info("Not following More Articles on %s: %s", response.url, why)
        self.crawler.stats.inc_value("vok/listing/stopped_early")

    def _not_before_since(self, teasers: Iterable[Teaser]) -> list[Teaser]:
        """Teasers posted on or after ``since`` (all of them without it; undated ones too)."""
        return [teaser for teaser in teasers if not (self.since and teaser.date and teaser.date < self.since)]

    def _unknown(self, urls: Iterable[str | None]) -> list[str]:
        """The URLs neither in the corpus nor skipped before (all of them with ``refresh=1``)."""
        if not self.corpus or self.refresh:
            return [url for url in urls if url]
        unknown = []
        for url in urls:
            if not url:
                continue
            if url in self.corpus.urls or url in self.skipped:
                if url not in self._requested:
                    self._requested.add(url)
                    self.crawler.stats.inc_value("vok/articles/already_known")
            else:
                unknown.append(url)
        return unknown

    def _page(self, page_class: type[SitePage], response: Response) -> SitePage | None:
        if not response.body:  # a slice past the end of the list
            return None
        if not isinstance(response, TextResponse):
            logger.warning("Skipping %s: not an HTML page (%s)", response.url, response.headers.get("Content-Type"))
            self.crawler.stats.inc_value("vok/skipped/not_html")
            return None
        return page_class(response.selector, response.url, self.start_url, self.crawler.stats)

    def _follow(self, urls: Iterable[str | None], callback: Callable[[Response], Any]) -> Iterator[scrapy.Request]:
        """Requests for the canonical site URLs not requested before.

        Checking here, before a ``Request`` is built, spares the dupefilter and
        the scheduler the site's many repeated links.
        """
        for url in urls:
            if url and url not in self._requested and is_on_site(url, self.start_url):
                self._requested.add(url)
                yield scrapy.Request(url, callback=callback, errback=self.on_error)
