"""The requests the spider makes for the site's URLs, and the pages it reads from their answers.

Apart from the spider so that its callbacks read as routing: which URL is
worth a request (on the start URL's site, not asked before in this run, not
known to the ledger) and how an answer becomes a page object are decided
here, once, for every road.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.ledger import Ledger
from vok_crawler.pages import SitePage
from vok_crawler.parsing import page_selector
from vok_crawler.urls import Aliases, is_on_site

logger = logging.getLogger(__name__)

PageT = TypeVar("PageT", bound=SitePage)
Callback = Callable[[Response], Any]


class SiteRequests:
    """Requests for the canonical site URLs not asked for before in this run, and the pages of their answers.

    ``article`` and ``listing`` are the spider's callbacks for the two kinds
    of page that need more than a request: an article is in flight in the
    ledger until its outcome is told; a slice passes the dupefilter.
    """

    def __init__(
        self,
        start_url: str,
        aliases: Aliases,
        ledger: Ledger,
        counters: StatsCollector,
        callbacks: tuple[Callback, Callback, Callable[[Any], None]],
    ) -> None:
        self.start_url = start_url
        self.aliases = aliases
        self.ledger = ledger
        self.counters = counters
        self.article, self.listing, self.errback = callbacks

    def follow(self, urls: Iterable[str | None], callback: Callback | None = None) -> Iterator[scrapy.Request]:
        """Requests for the canonical site URLs not asked for before in this run (slices, unless told).

        Checking here, before a ``Request`` is built, spares the dupefilter and
        the scheduler the site's many repeated links. A slice passes the
        dupefilter even when a paused run (``JOBDIR``) asked for it before:
        the walk must see its slices to know that it reached the end.
        """
        callback = callback or self.listing
        for url in urls:
            if url and is_on_site(url, self.start_url, self.aliases) and self.ledger.first_request(url):
                if callback == self.article:
                    self.ledger.asked(url)
                slice_ = callback == self.listing
                yield scrapy.Request(url, callback=callback, errback=self.errback, dont_filter=slice_)

    def unknown(self, urls: Iterable[str | None]) -> list[str]:
        """The URLs the ledger does not know (each known one counted once)."""
        unknown = []
        for url in urls:
            if not url:
                continue
            if not self.ledger.is_known(url):
                unknown.append(url)
            elif self.ledger.first_request(url):
                self.counters.inc_value(stats.ARTICLES_ALREADY_KNOWN)
        return unknown

    def page(self, page_class: type[PageT], response: Response) -> PageT | None:
        """The answer as a page object; ``None`` (logged and counted) when it is no HTML page."""
        if not isinstance(response, TextResponse):
            logger.warning("Skipping %s: not an HTML page (%s)", response.url, response.headers.get("Content-Type"))
            self.counters.inc_value(stats.SKIPPED_NOT_HTML)
            return None
        return page_class(page_selector(response), response.url, self.start_url, self.aliases)
