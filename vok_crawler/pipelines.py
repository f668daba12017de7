"""Item pipelines: dedupe by canonical URL, then persist to the corpus."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

from vok_crawler import stats
from vok_crawler.errors import CorpusWriteFailed
from vok_crawler.finish_reasons import WRITE_FAILED
from vok_crawler.memory import CrawlMemory

logger = logging.getLogger(__name__)


def json_line(item: Any) -> str:
    """The item as one line of JSON, fields in their declared order.

    Dataclass items (ours) are serialized by ``json`` itself through
    ``vars()``: ``ItemAdapter.asdict()`` checks every nested value against
    every item type, and ``dataclasses.asdict()`` deep-copies them, each
    costing more per article than parsing its page.
    """
    return json.dumps(item, default=_plain, ensure_ascii=False) + "\n"


def _plain(value: Any) -> dict[str, Any]:
    return vars(value) if dataclasses.is_dataclass(value) else ItemAdapter(value).asdict()


class DedupePipeline:
    """Each canonical ``url`` once per run: the first record wins.

    The spider requests each spelling of a page once, but two spellings can
    name one article (its ``link[rel=canonical]``); the record's URL decides.
    """

    def __init__(self, collector: StatsCollector) -> None:
        self.stats = collector
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        url = ItemAdapter(item)["url"]
        if url in self.seen:
            self.stats.inc_value(stats.DUPLICATES_DROPPED)
            raise DropItem(f"Duplicate article {url}", log_level="INFO")
        self.seen.add(url)
        return item


class JsonLinesCorpusPipeline:
    """Append each record new to the corpus at ``VOK_CORPUS``, one JSON object a line.

    This is not a feed export: it runs whatever ``FEEDS``, ``-o`` or Scrapyd's
    ``items_dir`` say, so daily runs add to one corpus. The file belongs to
    :class:`~vok_crawler.memory.CrawlMemory`, which writes a record only if
    its URL is new and flushes every line.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.closing: object = None  # the crawl's close, once a write failed (kept, not awaited here)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesCorpusPipeline:
        if not crawler.settings.get("VOK_CORPUS"):
            raise NotConfigured("VOK_CORPUS is empty: no corpus is written")
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Hand the record to the corpus; a failed write stops the crawl at once (``write_failed``)."""
        memory = self.crawler.get_extension(CrawlMemory)
        assert memory is not None
        try:
            written = memory.write(ItemAdapter(item)["url"], json_line(item))
        except CorpusWriteFailed as error:
            logger.error("Could not write to the corpus, stopping: %s (the article is asked for again next run)", error)
            self.stats.inc_value(stats.error(WRITE_FAILED))
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_FAILED))
            raise DropItem(f"not written: {error}", log_level="INFO") from None
        self.stats.inc_value(stats.CORPUS_WRITTEN if written else stats.CORPUS_ALREADY_KNOWN)
        return item
