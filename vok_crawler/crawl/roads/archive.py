"""The archive road (``-a road=archive -a posted_from=... -a posted_to=...``): a period read from a web archive alone.

An article's URL holds its posting time (``/newstream/<epoch>-<id>/``), so
the index's ``/newstream/<epoch prefix>`` questions for the period's Korea
days (:func:`~vok_crawler.site.archive_index.period_queries`, every host
name of the site) list every article posted then that the archive
captured, whatever its source. Each article the corpus does not hold is
read from its newest whole capture, by the same page objects and reader as
a live page; a record whose source is not the crawl's is dropped and
counted (:class:`~vok_crawler.crawl.archive_reading.ArchiveReading`).
Nothing is asked of the live site. The period is read as the search road
reads its own (1990 to today in Korea, days as ``YYYY-MM-DD``), by the
posting day rather than the published one. The road reads a part of the
list: it leaves the state's walk as it was, and follows no link.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from scrapy import Request

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.archive_reading import PERIOD
from vok_crawler.crawl.health import Verdict
from vok_crawler.crawl.roads.road import Road, Routes
from vok_crawler.errors import BadConfiguration
from vok_crawler.finish_reasons import ARCHIVE_INCOMPLETE
from vok_crawler.site import search
from vok_crawler.site.archive_index import period_queries
from vok_crawler.site.processors import KOREA

ARGUMENTS = ("posted_from", "posted_to")


class ArchiveRoad(Road):
    """The articles posted in a period, from a web archive's captures (see the module)."""

    name = "archive"
    arguments = ARGUMENTS
    reads_whole_list = False
    follows_links = False
    reads_archive = True

    def __init__(self, period: search.Period) -> None:
        self.period = period

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> ArchiveRoad:
        period = search.period(
            arguments.get("posted_from"), arguments.get("posted_to"), datetime.now(KOREA).date(), ARGUMENTS
        )
        if period is None:
            raise BadConfiguration("the archive road reads a period: give posted_from and posted_to, YYYY-MM-DD")
        return cls(period)

    def first_requests(self, routes: Routes) -> Iterator[Request]:
        reading = routes.archive_reading
        assert reading is not None, "the archive road's crawl reads a web archive"
        queries = period_queries(reading.hosts, self.period.first, self.period.last)
        yield from reading.look_up(PERIOD, queries)

    def verdict(self, counters: Mapping[str, Any]) -> Verdict | None:
        """Questions to the index that failed for good (after their retries): the period was not read whole."""
        failed = counters.get(stats.WEB_ARCHIVE_INDEX_FAILED)
        if not failed:
            return None
        return Verdict(
            ARCHIVE_INCOMPLETE,
            f"The archive road could not read its whole period: {failed} question(s) to the web archive's index "
            f"failed; {advice(ARCHIVE_INCOMPLETE)}",
        )

    @classmethod
    def health(cls, counters: Mapping[str, Any]) -> dict[str, Any]:
        """``web_archive``: the index's answers and the questions that failed, the articles it listed, the
        captures read and passed over, the articles without a whole capture, and ``-a fill=archive``'s
        articles found and not found (in every run's report: the fill reads the archive on other roads)."""
        return {
            "web_archive": {
                "index_answers": counters.get(stats.WEB_ARCHIVE_INDEX_ANSWERS, 0),
                "index_failed": counters.get(stats.WEB_ARCHIVE_INDEX_FAILED, 0),
                "articles": counters.get(stats.WEB_ARCHIVE_ARTICLES, 0),
                "captures_read": counters.get(stats.WEB_ARCHIVE_CAPTURES_READ, 0),
                "captures_skipped": counters.get(stats.WEB_ARCHIVE_CAPTURES_SKIPPED, 0),
                "without_whole_capture": counters.get(stats.WEB_ARCHIVE_NO_WHOLE_CAPTURE, 0),
                "fill": {
                    "found": counters.get(stats.WEB_ARCHIVE_FILL_FOUND, 0),
                    "not_found": counters.get(stats.WEB_ARCHIVE_FILL_NOT_FOUND, 0),
                },
            }
        }
