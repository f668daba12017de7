"""The search road's routing: a period of the source read day by day through the site's search.

A part of the ``vok`` spider (:class:`~vok_crawler.crawl.spiders.vok.VokSpider`
inherits it), apart so that each road's routing reads on its own. With
``-a published_from=... -a published_to=...`` the spider asks for the start
page (for the source id; when it names none, one article it shows, for its
"More From" control), then the period's days, newest first, one at a time:
a day is asked once the day after it has answered (or failed), so a period
of thirty years holds no list of days, and a stop leaves none queued. Then
the articles each day shows that the corpus does not hold. What a day's page
shows is judged by :class:`vok_crawler.site.search.SearchDays`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.crawl.failures import failed_request
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.items import Article
from vok_crawler.site import search
from vok_crawler.site.pages.site_page import SitePage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from vok_crawler.crawl.following import SiteRequests
    from vok_crawler.crawl.memory import CrawlMemory
    from vok_crawler.crawl.refusals import BanWatch

logger = logging.getLogger(__name__)


class SearchRoad:
    """The search road's callbacks, mixed into :class:`VokSpider`, whose memory, requests and period they use."""

    # The spider's, named here for the type checker: VokSpider sets them.
    crawler: Crawler
    start_url: str
    search_days: search.SearchDays | None

    if TYPE_CHECKING:

        @property
        def memory(self) -> CrawlMemory: ...

        @property
        def requests(self) -> SiteRequests: ...

        @property
        def bans(self) -> BanWatch: ...

        def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]: ...

        def on_error(self, failure: Failure) -> None: ...

    def parse_search_start(self, response: Response) -> Iterator[scrapy.Request]:
        """The search road's start page: the source id, as for slices, then the period's newest day."""
        page = self.requests.page(SitePage, response)
        if page is None:
            self.memory.walk.failed(response.url)
            return
        teasers = page.teasers().reported(self.crawler.stats)
        control = page.more_articles().reported(self.crawler.stats)
        self.crawler.stats.inc_value(stats.PAGES_LISTING)
        self.crawler.stats.inc_value(stats.TEASERS_LISTING, len(teasers))
        self.bans.answered()
        self.memory.walk.learn(control, len(teasers))
        if self.memory.walk.source_id is None:  # an article's "More From" control may name it, as on the listing road
            article = next(self.requests.follow((t.url for t in teasers), self.parse_search_source), None)
            if article is not None:
                logger.info("No source id on %s: asking %s for its More From control", response.url, article.url)
                yield article
                return
        yield from self._search_first_day(f"on {response.url}")

    def parse_search_source(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page showed no source id: an article it shows, for its "More From" control's.

        The article is read as any of the road (its record written if it was
        published in the period); then the days are asked, or, with no id
        here either, the road is stuck.
        """
        yield from self.parse_article(response)
        page = self.requests.page(SitePage, response)
        if page is not None:
            self.memory.walk.learn(page.more_articles().reported(self.crawler.stats), 0)
        yield from self._search_first_day(f"on the start page nor in the More From control of {response.url}")

    def _search_first_day(self, where: str) -> Iterator[scrapy.Request]:
        """The period's newest day, once the source id is known; without one the road goes no further."""
        if self.memory.walk.source_id is None or self.search_days is None:
            self.memory.walk.stuck(
                f"no source id {where} for the search road: no data-id, no slice URL "
                "(give the source's id with -a source_id=K)"
            )
            return
        yield from self._search_day(self.search_days.period.last)

    def _search_day(self, day: date | None) -> Iterator[scrapy.Request]:
        """The search for ``day``; none for no day (past the period's first, or the road stopped)."""
        source_id = self.memory.walk.source_id
        if day is None or source_id is None:
            return
        url = search.search_url(self.start_url, source_id, day)
        for request in self.requests.follow([url], self.parse_search_day):
            yield request.replace(errback=self.on_search_day_error)  # a failed day does not end the road

    def parse_search_day(self, response: Response) -> Iterator[scrapy.Request]:
        """One day of the search road: the articles it shows not known yet, then the day before it."""
        assert self.search_days is not None  # only the search road asks for days
        page = self.requests.page(SitePage, response)
        day = search.searched_day(asked_url(response))
        if page is None or not search.is_search_page(page.root) or day is None:
            self.memory.walk.failed(response.url)
            self.bans.refused(response.url, "unrecognized", "no search results (div#search_wrapper) on a search page")
            yield from self._search_day(self.search_days.after(day))
            return
        self.bans.answered()
        teasers = page.teasers().reported(self.crawler.stats)
        self.crawler.stats.inc_value(stats.PAGES_SEARCH)
        self.crawler.stats.inc_value(stats.TEASERS_SEARCH, len(teasers))
        if search.shows_full_page(page.root):
            logger.warning(
                "The search for %s shows a full page (%d teasers, then More Articles): that day may hold more "
                "articles than it shows",
                day,
                len(teasers),
            )
            full = self.crawler.stats.get_value(stats.SEARCH_FULL_DAYS, [])
            self.crawler.stats.set_value(stats.SEARCH_FULL_DAYS, sorted({*full, str(day)}))
        urls = [teaser.url for teaser in teasers]
        go_on = self.search_days.read(day, page.root, urls).reported(self.crawler.stats)
        # Every teaser is asked for: the search chose them by the source's date, while a current
        # article's teaser shows its posting day, which may be the next one. The article's published date judges.
        yield from self.requests.follow(self.requests.unknown(urls), self.parse_article)
        if go_on:
            yield from self._search_day(self.search_days.after(day))

    def on_search_day_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """A day that failed for good: told as any failure (the walk is not complete), then the day before it."""
        self.on_error(failure)
        if self.search_days is not None:
            yield from self._search_day(self.search_days.after(search.searched_day(asked_url(failed_request(failure)))))

    def _outside_the_period(self, url: str, item: Article) -> bool:
        """Whether the road leaves the record unwritten: published outside the period, or on no known day.

        A record whose ``published`` is null cannot be shown to be in the
        period: it is not written here, but left pending for the next run,
        which on the listing road writes it.
        """
        if self.search_days is None or self.search_days.period.holds(item.published):
            return False
        if item.published is None:
            logger.info(
                "Not writing %s on the search road: its published date is unknown, so it cannot be shown to be in "
                "the period; it is pending for a crawl of the listing, which writes it",
                url,
            )
            self.crawler.stats.inc_value(stats.SKIPPED_PUBLISHED_UNKNOWN)
            self.memory.ledger.tell(url, "failed")
            return True
        logger.info("Skipping %s: published %s, outside the period asked", url, item.published)
        self.crawler.stats.inc_value(stats.SKIPPED_OUTSIDE_PERIOD)
        return True
