"""The health report: what a run did, and whether it went well.

It measures (counters of the crawl), judges (the layout broken, every page
gated, no way past the first page, nothing fetched) and acts (ends the run
with a finish reason of :mod:`vok_crawler.finish_reasons`, so that
``scrapy crawl`` exits non-zero). At the end of every run it logs one
summary line and has the crawl memory write it beside the corpus
(``vok.health.json`` for ``vok.jsonl``), so a scheduler notices a bad day
instead of collecting empty records day after day.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
from collections import Counter
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from vok_crawler import stats
from vok_crawler.finish_reasons import (
    ALL_GATED,
    FORCED_SHUTDOWN,
    LAYOUT_BROKEN,
    NOTHING_FETCHED,
    PAGINATION_NOT_FOUND,
    PAGINATION_REPEATS,
    WALK_INCOMPLETE,
)
from vok_crawler.memory import CrawlMemory
from vok_crawler.pages import covered_fields
from vok_crawler.pipelines import InvalidRecord
from vok_crawler.processors import DateGap, date_gap
from vok_crawler.scope import require_vok_crawl, site_origin

logger = logging.getLogger(__name__)

COVERED_FIELDS = covered_fields()  # as the article page declares them
# Below this share of records with a title (or a body), the layout is taken as broken.
MIN_SHARE = 0.5
DROP_REASONS = {
    "duplicate": stats.DUPLICATES_DROPPED,
    "other_source": stats.SKIPPED_OTHER_SOURCE,
    "before_since": stats.SKIPPED_BEFORE_SINCE,
    "outside_period": stats.SKIPPED_OUTSIDE_PERIOD,
    "not_html": stats.SKIPPED_NOT_HTML,
}
DATE_GAPS: dict[DateGap, str] = {
    "back_catalogue": stats.RECORDS_BACK_CATALOGUE,
    "published_after_posted": stats.RECORDS_PUBLISHED_AFTER_POSTED,
}
NOT_PAGING = (
    "slices asked at the next offset held only teasers seen before (the server ignores 'from'); "
    "the articles past the first pages were not reached"
)
COOKIES_HINT = (
    "give a subscriber's cookies: export the site's cookies from your browser as a Netscape "
    "cookies.txt and run with -s VOK_COOKIES_FILE=cookies.txt"
)


class HealthReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.records = 0
        self.with_field: Counter[str] = Counter()
        self.written = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthReport:
        require_vok_crawl(crawler)
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        atexit.register(extension.last_word)
        return extension

    @property
    def memory(self) -> CrawlMemory:
        memory = self.crawler.get_extension(CrawlMemory)
        assert memory is not None
        return memory

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Spider) -> None:
        """An article that failed its schema was parsed all the same: it counts for the layout checks."""
        if isinstance(exception, InvalidRecord):
            self.item_scraped(item, spider)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        adapter = ItemAdapter(item)
        self.records += 1
        self.with_field.update(name for name in COVERED_FIELDS if adapter.get(name))
        gap = date_gap(adapter.get("published"), adapter.get("posted"))
        if gap is not None:
            self.stats.inc_value(DATE_GAPS[gap])

    def layout_problems(self) -> list[str]:
        """Signs that the markup no longer matches the page objects."""
        get = self.stats.get_value
        problems = []
        if get(stats.PAGES_LISTING, 0) and not get(stats.TEASERS_LISTING, 0):
            problems.append("listing pages were fetched but no teaser was found on them")
        parsed = get(stats.PAGES_ARTICLE, 0)
        if (
            parsed
            and not self.records
            and not get(stats.SKIPPED_OTHER_SOURCE, 0)
            and not get(stats.SKIPPED_BEFORE_SINCE, 0)
            and not get(stats.SKIPPED_OUTSIDE_PERIOD, 0)
        ):
            problems.append("article pages were fetched but no article was parsed")
        not_understood = get(stats.PAGES_NOT_UNDERSTOOD, 0)
        if not_understood:
            problems.append(
                f"{not_understood} article pages had no body element or no title by any rule: "
                "no record written, asked for again next run"
            )
        for name in ("title", "body"):
            if self.records and self.with_field[name] / self.records < MIN_SHARE:
                problems.append(f"{self.records - self.with_field[name]} of {self.records} articles have no {name}")
        return problems

    def walk_problems(self) -> list[str]:
        """Why the walk did not reach the end of the list, if it did not."""
        memory = self.memory
        if memory.walk.not_paging:
            return [NOT_PAGING]
        return [memory.walk.unfinished] if memory.walk.unfinished else []

    def nothing_fetched(self) -> bool:
        """Every request failed: the site is down or unreachable, not merely unchanged."""
        get = self.stats.get_value
        pages = get(stats.PAGES_LISTING, 0) + get(stats.PAGES_ARTICLE, 0) + get(stats.GATED, 0)
        return not pages and any(key.startswith(stats.ERRORS) for key in self.stats.get_stats())

    def all_gated(self) -> bool:
        """Every article page of the run was behind the NK Pro gate."""
        return bool(self.stats.get_value(stats.GATED, 0)) and not self.stats.get_value(stats.PAGES_ARTICLE, 0)

    def spider_idle(self, spider: Spider) -> None:
        if self.nothing_fetched():
            logger.error("No page of %s could be fetched", site_origin(self.crawler))
            raise CloseSpider(NOTHING_FETCHED)
        problems = self.layout_problems()
        if problems:
            logger.error("The site's layout looks broken: %s", "; ".join(problems))
            raise CloseSpider(LAYOUT_BROKEN)
        if self.memory.walk.pagination_stuck:
            logger.error("The walk could not get past its first page: %s", self.memory.walk.pagination_stuck)
            raise CloseSpider(PAGINATION_NOT_FOUND)
        if self.all_gated():
            logger.error(
                "Every article page (%d) was behind the NK Pro gate: %s",
                self.stats.get_value(stats.GATED),
                COOKIES_HINT,
            )
            raise CloseSpider(ALL_GATED)
        if self.memory.walk.not_paging:
            logger.error("The site does not page: %s", NOT_PAGING)
            raise CloseSpider(PAGINATION_REPEATS)
        if self.memory.walk.unfinished:
            logger.error(
                "The walk did not reach the end of the list: %s; the next run walks the whole listing again",
                self.memory.walk.unfinished,
            )
            raise CloseSpider(WALK_INCOMPLETE)

    def report(self, reason: str) -> dict[str, Any]:
        counters = self.stats.get_stats()
        new = counters.get(stats.CORPUS_WRITTEN, 0)
        requests = counters.get("downloader/request_count", 0)
        memory = self.memory
        pending, gated = memory.ledger.left_over()
        return {
            "job": self.job(),
            "finish_reason": reason,
            "finished_at": counters["finish_time"].isoformat() if counters.get("finish_time") else None,
            "pages_fetched": counters.get("response_received_count", 0),
            "requests": requests,
            "articles": {
                "new": new,
                "already_known": counters.get(stats.ARTICLES_ALREADY_KNOWN, 0)
                + counters.get(stats.CORPUS_ALREADY_KNOWN, 0),
                "gated": counters.get(stats.GATED, 0),
                "dropped": {why: counters[key] for why, key in DROP_REASONS.items() if counters.get(key)},
            },
            "requests_per_new_article": round(requests / new, 3) if new else None,
            "coverage": {
                name: round(self.with_field[name] / self.records, 3) if self.records else None
                for name in COVERED_FIELDS
            },
            "fields_missing": stats.by_suffix(counters, stats.FIELD_MISSING),
            "fields_by_fallback": stats.by_suffix(counters, stats.FIELD_FALLBACK),
            "pagination": {**memory.walk.remembered(), "routes": stats.by_suffix(counters, stats.PAGINATION_ROUTE)},
            "search": {
                "days": counters.get(stats.PAGES_SEARCH, 0),
                "teasers": counters.get(stats.TEASERS_SEARCH, 0),
                "full_days": counters.get(stats.SEARCH_FULL_DAYS, []),
            },
            "teasers_without_text": counters.get(stats.TEASERS_WITHOUT_TEXT, 0),
            "dates": {
                "back_catalogue": counters.get(stats.RECORDS_BACK_CATALOGUE, 0),
                "published_after_posted": counters.get(stats.RECORDS_PUBLISHED_AFTER_POSTED, 0),
            },
            "refusals": counters.get(stats.REFUSALS, 0),
            "changes": stats.by_suffix(counters, stats.CHANGES),
            "invalid_dates": stats.by_suffix(counters, stats.INVALID_DATE),
            "invalid_records": stats.by_suffix(counters, stats.INVALID_RECORD),
            "errors": {**stats.by_suffix(counters, stats.ERRORS), **stats.by_suffix(counters, "spider_exceptions/")},
            "layout_problems": self.layout_problems()
            + ([memory.walk.pagination_stuck] if memory.walk.pagination_stuck else []),
            "walk_problems": self.walk_problems(),
            "left_for_next_run": {"pending": len(pending), "gated": len(gated)},
        }

    def last_word(self) -> None:
        """At exit, if the run ended without closing (a second Ctrl-C or SIGTERM): the report still."""
        if not self.written and self.crawler.stats.get_value("start_time"):
            self.spider_closed(self.crawler.spider, FORCED_SHUTDOWN)

    def job(self) -> str | None:
        """The Scrapyd job this run is, if any: Scrapyd passes it as the spider argument ``_job``.

        ``SCRAPY_JOB`` is the environment's name for it (older Scrapyd, other schedulers).
        """
        return getattr(self.crawler.spider, "_job", None) or os.environ.get("SCRAPY_JOB")

    def spider_closed(self, spider: Spider | None, reason: str) -> None:
        self.written = True
        report = self.report(reason)
        self.stats.set_value(stats.REQUESTS_PER_NEW_ARTICLE, report["requests_per_new_article"])
        logger.info("Health: %s", json.dumps(report, ensure_ascii=False))
        path = self.memory.write_json("health", report)
        if path is not None:
            logger.info("Health report written to %s", path)
