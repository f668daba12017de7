"""The health report: what a run did, and whether it went well.

This is the acting part (the figures and the judgements are
:mod:`vok_crawler.crawl.health`'s): when the crawl falls idle it asks the judge
and, on a verdict (the layout broken, every page gated, no way past the
first page, nothing fetched), ends the run with that finish reason of
:mod:`vok_crawler.finish_reasons`, so that ``scrapy crawl`` exits
non-zero. At the end of every run it logs one summary line and has the
crawl memory write it beside the corpus (``vok.health.json`` for
``vok.jsonl``, the last run's) and append it to ``vok.health.jsonl`` (every
run's, for ``scrapy report``), so a scheduler notices a bad day instead of
collecting empty records day after day; a run stopped without closing (a
second Ctrl-C or SIGTERM) still writes it, as ``forced_shutdown``, from one
hook at the process's exit.
"""

from __future__ import annotations

import atexit
import json
import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from vok_crawler import stats
from vok_crawler.crawl.config import has_session
from vok_crawler.crawl.health import HealthFigures, Thresholds, layout_problems, verdict
from vok_crawler.crawl.memory import ReadsMemory
from vok_crawler.crawl.pipelines import InvalidRecord
from vok_crawler.crawl.roads import road_classes
from vok_crawler.crawl.scope import ReadsContext, require_corpus_crawl
from vok_crawler.finish_reasons import FORCED_SHUTDOWN

logger = logging.getLogger(__name__)


class HealthReport(ReadsMemory, ReadsContext):
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.roads = road_classes(crawler.settings)  # every road has its section in the report
        self.figures = HealthFigures(crawler.stats)
        self.thresholds = Thresholds.from_settings(crawler.settings)
        self.session = has_session(crawler.settings)  # a run of gates is then the session's failure to open them

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthReport:
        require_corpus_crawl(crawler)
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Spider) -> None:
        """An article that failed its schema was parsed all the same: it counts for the layout checks."""
        if isinstance(exception, InvalidRecord):
            self.figures.count(item)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        self.figures.count(item)

    def spider_idle(self, spider: Spider) -> None:
        found = verdict(self.figures, self.thresholds, self.context, self.memory.walk, self.session)
        if found is not None:
            logger.error(found.message)
            raise CloseSpider(found.reason)

    def report(self, reason: str) -> dict[str, Any]:
        stuck = self.memory.walk.pagination_stuck
        problems = layout_problems(self.figures, self.thresholds, self.context.road) + ([stuck] if stuck else [])
        return self.figures.report(reason, self.memory, self.context, problems, self.roads)

    def spider_opened(self) -> None:
        UNCLOSED.add(self)

    def spider_closed(self, spider: Spider | None, reason: str) -> None:
        UNCLOSED.discard(self)
        report = self.report(reason)
        self.crawler.stats.set_value(stats.REQUESTS_PER_NEW_ARTICLE, report["requests_per_new_article"])
        logger.info("Health: %s", json.dumps(report, ensure_ascii=False))
        path = self.memory.write_health(report)
        if path is not None:
            logger.info("Health report written to %s", path)


# The reports of the crawls opened in this process and not closed yet. A second Ctrl-C or SIGTERM stops the reactor
# at once, without closing the crawl: its report is still written, by one hook at the exit of the process.
UNCLOSED: set[HealthReport] = set()


@atexit.register
def last_words() -> None:
    """At exit, the report of each crawl that ended without closing, as ``forced_shutdown``."""
    for report in list(UNCLOSED):
        report.spider_closed(report.crawler.spider, FORCED_SHUTDOWN)
