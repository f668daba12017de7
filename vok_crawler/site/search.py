"""The search road: a period of the source read day by day through the site's search.

The listing shows the source newest first, so reaching a year of the back
catalogue means walking every slice from today back to it. The site's
search (``/?s=&source=K&start=DD-MM-YYYY&end=DD-MM-YYYY&sort=recent``) lists
the source's articles whose date, as its teasers show it (the source's own
date), falls in a window, in ``div#search_wrapper`` teasers. Asked one day
at a time (``-a published_from=... -a published_to=...``), a period costs a
request per day and one per new article, and no slice.

How the search's own "More Articles" (``a.more-full-link``, script-driven)
asks for its next page is not known. A day whose page ends with that
control shows a full page and may hold more than it shows: it is named, in
the log and the health report, never a silent gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from vok_crawler import stats
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.pages.queries import has_class
from vok_crawler.site.problems import Problem, Read
from vok_crawler.site.processors import EARLIEST_PUBLISHED
from vok_crawler.site.urls import canonical_url

SEARCH_WRAPPER_ID = "search_wrapper"
FULL_PAGE_CONTROL = "more-full-link"
_WRAPPER: Any = etree.XPath(f"//*[@id='{SEARCH_WRAPPER_ID}']")
_FULL: Any = etree.XPath(f"//*[self::a or self::button][{has_class(FULL_PAGE_CONTROL)}]")
_ARTICLE_LINKS: Any = etree.XPath(f"//*[@id='{SEARCH_WRAPPER_ID}']//a[contains(@href, '/newstream/')]")
_DAY_FORMAT = "%d-%m-%Y"  # the search's start= and end=, day first


@dataclass(frozen=True)
class Period:
    """The days from ``first`` to ``last``, both included, as ``published`` dates (ISO).

    ``asked_last`` is the last day the user asked for, when it was after
    today: the period ends today instead.
    """

    first: date
    last: date
    asked_last: date | None = None

    def day_before(self, day: date) -> date | None:
        """The day of the period asked after ``day`` (newest first, as the listing reads); ``None`` after the first.

        The road makes its days one at a time, as it asks for them: a period
        of thirty years holds no list of its days, and a stop leaves none queued.
        """
        return day - timedelta(days=1) if day > self.first else None

    def holds(self, day: str | None) -> bool:
        """Whether an ISO day is in the period."""
        return day is not None and self.first.isoformat() <= day <= self.last.isoformat()

    @classmethod
    def of_day(cls, day: str) -> Period:
        """The period of one ISO day."""
        one = date.fromisoformat(day)
        return cls(one, one)


def period(
    published_from: str | None,
    published_to: str | None,
    today: date,
    names: tuple[str, str] = ("published_from", "published_to"),
) -> Period | None:
    """``-a published_from=YYYY-MM-DD -a published_to=YYYY-MM-DD``: both or neither, in order; ``names`` are the
    arguments' names in the errors (the archive road's period is ``posted_from`` and ``posted_to``).

    The first day is :data:`~vok_crawler.site.processors.EARLIEST_PUBLISHED` (no article of the site is older: an earlier first day is a typo, 0201 for 2011) or later and not after ``today`` (the
    day in Korea, where the site's dates are); a last day after today is
    today (the period says so, for the log).
    """
    start, end = names
    if published_from is None and published_to is None:
        return None
    if published_from is None or published_to is None:
        raise BadConfiguration(f"{start} and {end} go together: give both days, YYYY-MM-DD")
    try:
        first, last = date.fromisoformat(published_from.strip()), date.fromisoformat(published_to.strip())
    except ValueError:
        raise BadConfiguration(
            f"{start} and {end} must be days as YYYY-MM-DD, not {published_from!r} and {published_to!r}"
        ) from None
    if first < EARLIEST_PUBLISHED:
        raise BadConfiguration(
            f"{start} must be {EARLIEST_PUBLISHED} or later (no article of the site is older), not {first}"
        )
    if first > last:
        raise BadConfiguration(f"{start} ({first}) is after {end} ({last})")
    if first > today:
        raise BadConfiguration(f"{start} ({first}) is after today ({today} in Korea): no article is published yet")
    return Period(first, min(last, today), last if last > today else None)


def search_url(origin: str, source_id: str, day: date) -> str:
    """The search for one day of the source, on the crawl's own site, canonical like every other link."""
    when = day.strftime(_DAY_FORMAT)
    query = urlencode([("s", ""), ("source", source_id), ("start", when), ("end", when), ("sort", "recent")])
    url = canonical_url(f"/?{query}", origin, origin)
    assert url is not None  # a path on the origin is always a web link
    return url


def searched_day(url: str) -> date | None:
    """The day a one-day search URL asks for; ``None`` for any other URL."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    if "s" not in query or query.get("start") != query.get("end") or not query.get("start"):
        return None
    try:
        return _parse_day(query["start"][0])
    except ValueError:
        return None


def _parse_day(text: str) -> date:
    day, month, year = (int(part) for part in text.split("-"))
    return date(year, month, day)


def is_search_page(root: HtmlElement) -> bool:
    """Whether the page has the search's results wrapper (empty on a day without articles)."""
    return bool(_WRAPPER(root))


def shows_full_page(root: HtmlElement) -> bool:
    """Whether the search offers more than it shows: its ``more-full-link`` control is there."""
    return bool(_FULL(root))


def article_links(root: HtmlElement) -> int:
    """How many links to article pages (``/newstream/``) the search's results show, teasers read or not."""
    return len(_ARTICLE_LINKS(root))


class SearchDays:
    """The search road's days: which comes next, and what their pages showed, day after day.

    A day whose results link articles but hold no teaser block any rule
    reads is a search whose markup is not understood; a day that shows the
    very teasers the last day with any showed is a search that ignores the
    dates asked. Either stops the road (no day before it is asked), and is a
    problem the health report judges (:mod:`vok_crawler.crawl.health`).
    """

    def __init__(self, period: Period) -> None:
        self.period = period
        self.stopped = False
        self.last_shown: frozenset[str] = frozenset()  # the teasers of the last day that showed any
        self.last_day: date | None = None

    def after(self, day: date | None) -> date | None:
        """The day to ask after ``day``: the one before it in the period, unless the road stopped."""
        return None if self.stopped or day is None else self.period.day_before(day)

    def read(self, day: date, root: HtmlElement, urls: list[str | None]) -> Read[bool]:
        """A day's results page, its teasers' links ``urls``: whether the road goes on, and why not."""
        shown = frozenset(url for url in urls if url)
        links = article_links(root)
        problems = []
        if not urls and links:
            problems.append(
                Problem(
                    stats.SEARCH_DAYS_UNREAD,
                    f"The search for {day} links {links} articles but no teaser block is read on it: the search's "
                    "markup is not understood; no day before it is asked",
                    logging.ERROR,
                )
            )
        elif shown and shown == self.last_shown:
            problems.append(
                Problem(
                    stats.SEARCH_DAYS_ALIKE,
                    f"The search for {day} shows the very teasers it showed for {self.last_day}: the site's search "
                    "ignores the dates asked; no day before it is asked",
                    logging.ERROR,
                )
            )
        if shown:
            self.last_shown, self.last_day = shown, day
        self.stopped = self.stopped or bool(problems)
        return Read(not self.stopped, tuple(problems))
