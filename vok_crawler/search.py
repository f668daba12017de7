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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from vok_crawler.errors import BadConfiguration
from vok_crawler.pages import has_class
from vok_crawler.urls import canonical_url

SEARCH_WRAPPER_ID = "search_wrapper"
FULL_PAGE_CONTROL = "more-full-link"
_WRAPPER: Any = etree.XPath(f"//*[@id='{SEARCH_WRAPPER_ID}']")
_FULL: Any = etree.XPath(f"//*[self::a or self::button][{has_class(FULL_PAGE_CONTROL)}]")
_DAY_FORMAT = "%d-%m-%Y"  # the search's start= and end=, day first


@dataclass(frozen=True)
class Period:
    """The days from ``first`` to ``last``, both included, as ``published`` dates (ISO)."""

    first: date
    last: date

    def days(self) -> Iterator[date]:
        """Each day of the period, newest first (as the listing reads)."""
        day = self.last
        while day >= self.first:
            yield day
            day -= timedelta(days=1)

    def holds(self, day: str | None) -> bool:
        """Whether an ISO day is in the period."""
        return day is not None and self.first.isoformat() <= day <= self.last.isoformat()

    @classmethod
    def of_day(cls, day: str) -> Period:
        """The period of one ISO day."""
        one = date.fromisoformat(day)
        return cls(one, one)


def period(published_from: str | None, published_to: str | None) -> Period | None:
    """``-a published_from=YYYY-MM-DD -a published_to=YYYY-MM-DD``: both or neither, in order."""
    if published_from is None and published_to is None:
        return None
    if published_from is None or published_to is None:
        raise BadConfiguration("published_from and published_to go together: give both days, YYYY-MM-DD")
    try:
        first, last = date.fromisoformat(published_from.strip()), date.fromisoformat(published_to.strip())
    except ValueError:
        raise BadConfiguration(
            f"published_from and published_to must be days as YYYY-MM-DD, not {published_from!r} and {published_to!r}"
        ) from None
    if first > last:
        raise BadConfiguration(f"published_from ({first}) is after published_to ({last})")
    return Period(first, last)


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
