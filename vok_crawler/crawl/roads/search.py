"""The search road (``-a published_from=... -a published_to=...``): a period of the source read day by day.

Through the site's search instead of the listing: the road asks for the
start page (for the source id; when it names none, one article it shows,
for its "More From" control), then the period's days, newest first, one at
a time: a day is asked once the day after it has answered (or failed), so a
period of thirty years holds no list of days, and a stop leaves none queued.
Then the articles each day shows that the corpus does not hold, read as on
every road; their "More From" teasers and slices are not followed, and a
record published outside the period (or on no known day) is not written.
What a day's page shows is judged by :class:`vok_crawler.site.search.SearchDays`.
The road reads a part of the list: it leaves the state's walk as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response

from vok_crawler import stats
from vok_crawler.crawl.health import Verdict
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.crawl.roads.road import Counts, Output, Road, Routes
from vok_crawler.errors import BadConfiguration
from vok_crawler.finish_reasons import SEARCH_IGNORES_DATES
from vok_crawler.items import Article
from vok_crawler.site import search
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.processors import KOREA

logger = logging.getLogger(__name__)

PROBLEMS = {
    stats.SEARCH_DAYS_UNREAD: (
        "search pages linked articles but no teaser was read on them ({n} day(s)): the search's markup is not "
        "understood, and the days before were not asked"
    ),
    stats.SEARCH_DAYS_ALIKE: (
        "search pages of different days showed the same teasers ({n} day(s)): the site's search ignores the dates "
        "asked, and the days before were not asked"
    ),
}


def search_problems(counters: Mapping[str, Any], only: tuple[str, ...] = tuple(PROBLEMS)) -> list[str]:
    """Why the search road could not read its period, if it could not (a day's page stops the road)."""
    return [message.format(n=n) for key, message in PROBLEMS.items() if key in only and (n := counters.get(key))]


class SearchRoad(Road):
    """A period of the source, day by day through the site's search (see the module)."""

    name = "search"
    arguments = ("published_from", "published_to")
    reads_whole_list = False
    follows_links = False
    steps: ClassVar[Mapping[str, Counts]] = {"start": "listing", "source": "article", "day": "listing"}

    def __init__(self, period: search.Period) -> None:
        self.days = search.SearchDays(period)

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> SearchRoad:
        period = search.period(
            arguments.get("published_from"), arguments.get("published_to"), datetime.now(KOREA).date()
        )
        if period is None:
            raise BadConfiguration("the search road reads a period: give published_from and published_to, YYYY-MM-DD")
        return cls(period)

    def first_requests(self, routes: Routes) -> Iterator[Request]:
        period = self.days.period
        if period.asked_last is not None:
            logger.info(
                "published_to %s is after today (%s in Korea): the period ends today", period.asked_last, period.last
            )
        yield from routes.requests.road_pages([routes.start_url], "start")

    def page(self, step: str, response: Response, routes: Routes) -> Output:
        if step == "start":
            return self._start(response, routes)
        if step == "source":
            return self._source(response, routes)
        return self._day(response, routes)

    def _start(self, response: Response, routes: Routes) -> Iterator[Request]:
        """The start page: the source id, as for slices, then the period's newest day."""
        counters, walk = routes.crawler.stats, routes.memory.walk
        page = routes.requests.page(SitePage, response)
        if page is None:
            walk.failed(response.url)
            return
        teasers = page.teasers().reported(counters)
        control = page.more_articles().reported(counters)
        counters.inc_value(stats.PAGES_LISTING)
        counters.inc_value(stats.TEASERS_LISTING, len(teasers))
        routes.bans.answered()
        walk.learn(control, len(teasers))
        if walk.source_id is None:  # an article's "More From" control may name it, as on the listing road
            article = next(routes.requests.road_pages((t.url for t in teasers), "source"), None)
            if article is not None:
                logger.info("No source id on %s: asking %s for its More From control", response.url, article.url)
                yield article
                return
        yield from self._first_day(f"on {response.url}", routes)

    def _source(self, response: Response, routes: Routes) -> Output:
        """The start page showed no source id: an article it shows, for its "More From" control's.

        The article is read as any of the road (its record written if it was
        published in the period); then the days are asked, or, with no id
        here either, the road is stuck.
        """
        yield from routes.parse_article(response)
        page = routes.requests.page(SitePage, response)
        if page is not None:
            routes.memory.walk.learn(page.more_articles().reported(routes.crawler.stats), 0)
        yield from self._first_day(f"on the start page nor in the More From control of {response.url}", routes)

    def _first_day(self, where: str, routes: Routes) -> Iterator[Request]:
        """The period's newest day, once the source id is known; without one the road goes no further."""
        if routes.memory.walk.source_id is None:
            routes.memory.walk.stuck(
                f"no source id {where} for the search road: no data-id, no slice URL "
                "(give the source's id with -a source_id=K)"
            )
            return
        yield from self._ask(self.days.period.last, routes)

    def _ask(self, day: date | None, routes: Routes) -> Iterator[Request]:
        """The search for ``day``; none for no day (past the period's first, or the road stopped)."""
        source_id = routes.memory.walk.source_id
        if day is None or source_id is None:
            return
        yield from routes.requests.road_pages([search.search_url(routes.start_url, source_id, day)], "day")

    def _day(self, response: Response, routes: Routes) -> Iterator[Request]:
        """One day: the articles it shows not known yet, then the day before it."""
        counters, requests = routes.crawler.stats, routes.requests
        page = requests.page(SitePage, response)
        day = search.searched_day(asked_url(response))
        if page is None or not search.is_search_page(page.root) or day is None:
            routes.memory.walk.failed(response.url)
            routes.bans.refused(response.url, "unrecognized", "no search results (div#search_wrapper) on a search page")
            yield from self._ask(self.days.after(day), routes)
            return
        routes.bans.answered()
        teasers = page.teasers().reported(counters)
        counters.inc_value(stats.PAGES_SEARCH)
        counters.inc_value(stats.TEASERS_SEARCH, len(teasers))
        if search.shows_full_page(page.root):
            logger.warning(
                "The search for %s shows a full page (%d teasers, then More Articles): that day may hold more "
                "articles than it shows",
                day,
                len(teasers),
            )
            full = counters.get_value(stats.SEARCH_FULL_DAYS, [])
            counters.set_value(stats.SEARCH_FULL_DAYS, sorted({*full, str(day)}))
        urls = [teaser.url for teaser in teasers]
        go_on = self.days.read(day, page.root, urls).reported(counters)
        # Every teaser is asked for: the search chose them by the source's date, while a current
        # article's teaser shows its posting day, which may be the next one. The article's published date judges.
        yield from requests.follow(requests.unknown(urls), routes.parse_article)
        if go_on:
            yield from self._ask(self.days.after(day), routes)

    def failed(self, step: str, url: str, kind: str, routes: Routes) -> Iterable[Request]:
        """A day that failed is told as any failure (the walk is not complete), then the day before it is asked;
        an article asked for its control that failed leaves the road without a source id."""
        if step == "day":
            return list(self._ask(self.days.after(search.searched_day(url)), routes))
        if step == "source":
            routes.memory.walk.stuck(
                f"no source id for the search road: none on the start page, and {url}, asked for its More From "
                f"control, answered {kind} (give the source's id with -a source_id=K)"
            )
        return ()

    def keeps(self, url: str, item: Article, routes: Routes) -> bool:
        """A record published in the period. One whose ``published`` is null cannot be shown to be in it: not
        written here, but left pending for the next run, which on the listing road writes it."""
        if self.days.period.holds(item.published):
            return True
        counters = routes.crawler.stats
        if item.published is None:
            logger.info(
                "Not writing %s on the search road: its published date is unknown, so it cannot be shown to be in "
                "the period; it is pending for a crawl of the listing, which writes it",
                url,
            )
            counters.inc_value(stats.SKIPPED_PUBLISHED_UNKNOWN)
            routes.memory.ledger.tell(url, "failed")
            return False
        logger.info("Skipping %s: published %s, outside the period asked", url, item.published)
        counters.inc_value(stats.SKIPPED_OUTSIDE_PERIOD)
        return False

    def layout_problems(self, counters: Mapping[str, Any]) -> list[str]:
        return search_problems(counters, only=(stats.SEARCH_DAYS_UNREAD,))

    def verdict(self, counters: Mapping[str, Any]) -> Verdict | None:
        if not counters.get(stats.SEARCH_DAYS_ALIKE):
            return None
        [ignored] = search_problems(counters, only=(stats.SEARCH_DAYS_ALIKE,))
        return Verdict(SEARCH_IGNORES_DATES, f"The search road could not read its period: {ignored}")

    @classmethod
    def health(cls, counters: Mapping[str, Any]) -> dict[str, Any]:
        """``search``: the days asked, the teasers they showed, the days whose page was full, and why the road
        could not read its period, if it could not."""
        return {
            "search": {
                "days": counters.get(stats.PAGES_SEARCH, 0),
                "teasers": counters.get(stats.TEASERS_SEARCH, 0),
                "full_days": counters.get(stats.SEARCH_FULL_DAYS, []),
                "problems": search_problems(counters),
            }
        }
