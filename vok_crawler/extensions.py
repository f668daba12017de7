"""The health report: what a run did, and whether the site's layout still fits.

At the end of every run it logs one summary line and writes it as JSON
beside the corpus (``vok.health.json`` for ``vok.jsonl``). When pages were
fetched but the parsing found nothing, or most titles or bodies are missing,
the site has most likely changed its markup: the run then ends with the
finish reason ``layout_broken`` (``nothing_fetched`` when every request
failed) and ``scrapy crawl`` exits non-zero, so a scheduler notices instead
of collecting empty records day after day.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from vok_crawler.corpus import Corpus
from vok_crawler.pipelines import INVALID_RECORD, InvalidRecord
from vok_crawler.scope import require_vok_crawl
from vok_crawler.spiders.vok import VokSpider

logger = logging.getLogger(__name__)

LAYOUT_BROKEN = "layout_broken"
NOTHING_FETCHED = "nothing_fetched"
COVERED_FIELDS = ("title", "published", "posted", "body", "source_url")
# Below this share of records with a title (or a body), the layout is taken as broken.
MIN_SHARE = 0.5
DROP_REASONS = {
    "duplicate": "vok/duplicates_dropped",
    "other_source": "vok/skipped/other_source",
    "before_since": "vok/skipped/before_since",
    "not_html": "vok/skipped/not_html",
}


class HealthReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.records = 0
        self.with_field: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthReport:
        require_vok_crawl(crawler)
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Spider) -> None:
        """An article that failed its schema was parsed all the same: it counts for the layout checks."""
        if isinstance(exception, InvalidRecord):
            self.item_scraped(item, spider)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        adapter = ItemAdapter(item)
        self.records += 1
        self.with_field.update(name for name in COVERED_FIELDS if adapter.get(name))

    def layout_problems(self) -> list[str]:
        """Signs that the markup no longer matches the page objects."""
        get = self.stats.get_value
        problems = []
        if get("vok/pages/listing", 0) and not get("vok/teasers/listing", 0):
            problems.append("listing pages were fetched but no teaser was found on them")
        parsed = get("vok/pages/article", 0)
        if parsed and not self.records and not get("vok/skipped/other_source", 0):
            problems.append("article pages were fetched but no article was parsed")
        for name in ("title", "body"):
            if self.records and self.with_field[name] / self.records < MIN_SHARE:
                problems.append(f"{self.records - self.with_field[name]} of {self.records} articles have no {name}")
        return problems

    def nothing_fetched(self) -> bool:
        """Every request failed: the site is down or unreachable, not merely unchanged."""
        get = self.stats.get_value
        pages = get("vok/pages/listing", 0) + get("vok/pages/article", 0)
        return not pages and any(key.startswith("vok/errors/") for key in self.stats.get_stats())

    def spider_idle(self, spider: VokSpider) -> None:
        if self.nothing_fetched():
            logger.error("No page of %s could be fetched", spider.start_url)
            raise CloseSpider(NOTHING_FETCHED)
        problems = self.layout_problems()
        if problems:
            logger.error("The site's layout looks broken: %s", "; ".join(problems))
            raise CloseSpider(LAYOUT_BROKEN)

    def report(self, reason: str) -> dict[str, Any]:
        stats = self.stats.get_stats()
        new = stats.get("vok/corpus/written", 0)
        requests = stats.get("downloader/request_count", 0)
        finish_time = stats.get("finish_time")
        return {
            "job": self.job(),
            "finish_reason": reason,
            "finished_at": finish_time.isoformat() if finish_time else None,
            "pages_fetched": stats.get("response_received_count", 0),
            "requests": requests,
            "articles": {
                "new": new,
                "already_known": stats.get("vok/articles/already_known", 0) + stats.get("vok/corpus/already_known", 0),
                "dropped": {why: stats[key] for why, key in DROP_REASONS.items() if stats.get(key)},
            },
            "requests_per_new_article": round(requests / new, 3) if new else None,
            "coverage": {name: round(self.with_field[name] / self.records, 3) if self.records else None for name in COVERED_FIELDS},
            "invalid_dates": _by_suffix(stats, "vok/invalid_date/"),
            "invalid_records": _by_suffix(stats, INVALID_RECORD),
            "errors": _by_suffix(stats, "vok/errors/"),
            "layout_problems": self.layout_problems(),
        }

    def job(self) -> str | None:
        """The Scrapyd job this run is, if any: Scrapyd passes it as the spider argument ``_job``.

        ``SCRAPY_JOB`` is the environment's name for it (older Scrapyd, other schedulers).
        """
        return getattr(self.crawler.spider, "_job", None) or os.environ.get("SCRAPY_JOB")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        report = self.report(reason)
        self.stats.set_value("vok/requests_per_new_article", report["requests_per_new_article"])
        logger.info("Health: %s", json.dumps(report, ensure_ascii=False))
        corpus = Corpus.of(self.crawler)
        if corpus is not None:
            logger.info("Health report written to %s", corpus.write_json("health", report))


def _by_suffix(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): value for key, value in sorted(stats.items()) if key.startswith(prefix)}
