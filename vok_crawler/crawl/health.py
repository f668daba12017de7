"""The health report's figures and judgements, apart from the extension that acts on them.

As spidermon separates monitors from actions: :class:`HealthFigures`
measures (the crawl's counters and the records it parsed), :func:`verdict`
judges (the layout broken, nothing fetched, no way past the first page,
every page gated), with its thresholds named by settings
(:class:`Thresholds`), and :class:`vok_crawler.crawl.extensions.HealthReport`
acts: it ends the run with the verdict's finish reason and writes the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.config import share_setting
from vok_crawler.crawl.following import LinksElsewhere
from vok_crawler.crawl.memory import CrawlMemory
from vok_crawler.finish_reasons import (
    ALL_GATED,
    LAYOUT_BROKEN,
    NOTHING_FETCHED,
    PAGINATION_NOT_FOUND,
    PAGINATION_REPEATS,
    WALK_INCOMPLETE,
)
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.processors import DateGap, date_gap
from vok_crawler.site.slices import SliceWalk
from vok_crawler.wording import counted

if TYPE_CHECKING:
    from vok_crawler.crawl.context import CrawlContext
    from vok_crawler.crawl.roads.road import Road

COVERED_FIELDS = ArticlePage.covered_fields()  # as the article page declares them
DROP_REASONS = {
    "duplicate": stats.DUPLICATES_DROPPED,
    "other_source": stats.SKIPPED_OTHER_SOURCE,
    "before_since": stats.SKIPPED_BEFORE_SINCE,
    "outside_period": stats.SKIPPED_OUTSIDE_PERIOD,
    "published_unknown": stats.SKIPPED_PUBLISHED_UNKNOWN,
    "not_html": stats.SKIPPED_NOT_HTML,
}
# Articles parsed and left out on purpose: a run of only those is no broken layout.
LEFT_OUT_BY_CHOICE = (
    stats.SKIPPED_OTHER_SOURCE,
    stats.SKIPPED_BEFORE_SINCE,
    stats.SKIPPED_OUTSIDE_PERIOD,
    stats.SKIPPED_PUBLISHED_UNKNOWN,
)
DATE_GAPS: dict[DateGap, str] = {
    "back_catalogue": stats.RECORDS_BACK_CATALOGUE,
    "published_after_posted": stats.RECORDS_PUBLISHED_AFTER_POSTED,
}
NOT_PAGING = (
    "slices asked at the next offset held only teasers seen before (the server ignores 'from'); "
    "the articles past the first pages were not reached"
)


class HealthFigures:
    """Measure: the records a run parsed (those its schema rejected too), beside the crawl's counters."""

    def __init__(self, stats_collector: StatsCollector) -> None:
        self.stats = stats_collector
        self.records = 0
        self.with_field: Counter[str] = Counter()

    def count(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        self.records += 1
        self.with_field.update(name for name in COVERED_FIELDS if adapter.get(name))
        gap = date_gap(adapter.get("published"), adapter.get("posted"))
        if gap is not None:
            self.stats.inc_value(DATE_GAPS[gap])

    def share_with(self, name: str) -> float | None:
        """The share of the run's records with a value for ``name``; ``None`` without records."""
        return self.with_field[name] / self.records if self.records else None

    def report(
        self,
        reason: str,
        memory: CrawlMemory,
        context: CrawlContext,
        layout_problems: list[str],
        roads: Mapping[str, type[Road]],
    ) -> dict[str, Any]:
        """The health report: what the run did, by the counters (``layout_problems`` is the judge's; ``roads``
        every road of the project, each with its section: the report has the same shape on every road)."""
        counters = self.stats.get_stats()
        new = counters.get(stats.CORPUS_WRITTEN, 0)
        requests = counters.get("downloader/request_count", 0)
        pending, gated = memory.ledger.left_over()
        return {
            "job": context.job,
            "spider": context.spider,
            "source": context.source,
            "road": context.road.name,
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
                name: round(share, 3) if (share := self.share_with(name)) is not None else None
                for name in COVERED_FIELDS
            },
            "fields_missing": stats.by_suffix(counters, stats.FIELD_MISSING),
            "fields_by_fallback": stats.by_suffix(counters, stats.FIELD_FALLBACK),
            "pagination": {**memory.walk.remembered(), "routes": stats.by_suffix(counters, stats.PAGINATION_ROUTE)},
            **{key: value for road in roads.values() for key, value in road.health(counters).items()},
            "teasers_without_text": counters.get(stats.TEASERS_WITHOUT_TEXT, 0),
            "unknown_hosts": LinksElsewhere.from_counters(counters, context.aliases).report(),
            "dates": {
                "back_catalogue": counters.get(stats.RECORDS_BACK_CATALOGUE, 0),
                "published_after_posted": counters.get(stats.RECORDS_PUBLISHED_AFTER_POSTED, 0),
                "published_before_1990": counters.get(stats.RECORDS_PUBLISHED_BEFORE_1990, 0),
            },
            "refusals": counters.get(stats.REFUSALS, 0),
            "changes": stats.by_suffix(counters, stats.CHANGES),
            "invalid_dates": stats.by_suffix(counters, stats.INVALID_DATE),
            "invalid_records": stats.by_suffix(counters, stats.INVALID_RECORD),
            "errors": {**stats.by_suffix(counters, stats.ERRORS), **stats.by_suffix(counters, "spider_exceptions/")},
            "layout_problems": layout_problems,
            "walk_problems": walk_problems(memory.walk),
            "left_for_next_run": {"pending": len(pending), "gated": len(gated)},
        }


@dataclass(frozen=True)
class Thresholds:
    """Judge: what a run must show not to be taken as a broken layout (settings ``VOK_LAYOUT_*``)."""

    min_share: float = 0.5  # VOK_LAYOUT_MIN_SHARE: below this share of records with each field ...
    fields: tuple[str, ...] = ("title", "body")  # VOK_LAYOUT_FIELDS: ... the layout is taken as broken

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        return cls(share_setting(settings, "VOK_LAYOUT_MIN_SHARE"), tuple(settings.getlist("VOK_LAYOUT_FIELDS")))


@dataclass(frozen=True)
class Verdict:
    """A run that must not end as ``finished``: its finish reason, and the log line that says why."""

    reason: str
    message: str


def layout_problems(figures: HealthFigures, thresholds: Thresholds, road: Road) -> list[str]:
    """Signs that the markup no longer matches the page objects (the road's own pages' too)."""
    get = figures.stats.get_value
    problems = []
    if get(stats.PAGES_LISTING, 0) and not get(stats.TEASERS_LISTING, 0):
        problems.append("listing pages were fetched but no teaser was found on them")
    parsed = get(stats.PAGES_ARTICLE, 0)
    if parsed and not figures.records and not any(get(key, 0) for key in LEFT_OUT_BY_CHOICE):
        problems.append("article pages were fetched but no article was parsed")
    problems += road.layout_problems(figures.stats.get_stats())
    not_understood = get(stats.PAGES_NOT_UNDERSTOOD, 0)
    if not_understood:
        problems.append(
            f"{counted(not_understood, 'article page')} had no body element or no title by any rule: "
            "no record written, asked for again next run"
        )
    for name in thresholds.fields:
        share = figures.share_with(name)
        if share is not None and share < thresholds.min_share:
            problems.append(
                f"{figures.records - figures.with_field[name]} of {figures.records} articles have no {name}"
            )
    return problems


def walk_problems(walk: SliceWalk) -> list[str]:
    """Why the walk did not reach the end of the list, if it did not."""
    if walk.not_paging:
        return [NOT_PAGING]
    return [walk.unfinished] if walk.unfinished else []


def nothing_fetched(counters: StatsCollector) -> bool:
    """Every request failed: the site is down or unreachable, not merely unchanged."""
    get = counters.get_value
    pages = get(stats.PAGES_LISTING, 0) + get(stats.PAGES_ARTICLE, 0) + get(stats.GATED, 0)
    return not pages and any(key.startswith(stats.ERRORS) for key in counters.get_stats())


def all_gated(counters: StatsCollector) -> bool:
    """Every article page of the run was behind the NK Pro gate."""
    return bool(counters.get_value(stats.GATED, 0)) and not counters.get_value(stats.PAGES_ARTICLE, 0)


def verdict(
    figures: HealthFigures, thresholds: Thresholds, context: CrawlContext, walk: SliceWalk, session: bool
) -> Verdict | None:
    """The first thing wrong with the run so far, in the order a user must fix them; ``None`` if nothing is.

    ``session``: the run was given a subscriber's session, so a run of gates says that it did not open them.
    """
    if nothing_fetched(figures.stats):
        return Verdict(NOTHING_FETCHED, f"No page of {context.start_url} could be fetched")
    problems = layout_problems(figures, thresholds, context.road)
    if problems:
        return Verdict(LAYOUT_BROKEN, f"The site's layout looks broken: {'; '.join(problems)}")
    if walk.pagination_stuck:
        return Verdict(PAGINATION_NOT_FOUND, f"The walk could not get past its first page: {walk.pagination_stuck}")
    on_the_road = context.road.verdict(figures.stats.get_stats())
    if on_the_road is not None:
        return on_the_road
    if all_gated(figures.stats):
        gated = figures.stats.get_value(stats.GATED)
        return Verdict(
            ALL_GATED, f"Every article page ({gated}) was behind the NK Pro gate: {advice(ALL_GATED, session)}"
        )
    if walk.not_paging:
        return Verdict(PAGINATION_REPEATS, f"The site does not page: {NOT_PAGING}")
    if walk.unfinished:
        return Verdict(
            WALK_INCOMPLETE,
            f"The walk did not reach the end of the list: {walk.unfinished}; the next run walks the whole listing again",
        )
    return None
