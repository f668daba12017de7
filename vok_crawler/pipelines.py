"""Item pipelines: dedupe by canonical URL, then persist to the corpus."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from vok_crawler.corpus import Corpus
from vok_crawler.scope import require_vok_crawl

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

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        require_vok_crawl(crawler)
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        url = ItemAdapter(item)["url"]
        if url in self.seen:
            self.stats.inc_value("vok/duplicates_dropped")
            raise DropItem(f"Duplicate article {url}", log_level="INFO")
        self.seen.add(url)
        return item


class JsonLinesCorpusPipeline:
    """Append each record new to the corpus at ``VOK_CORPUS``, one JSON object a line.

    This is not a feed export: it runs whatever ``FEEDS``, ``-o`` or Scrapyd's
    ``items_dir`` say, so daily runs add to one corpus. Records already in it
    (by ``url``) are not written twice; every line is flushed as written, so a
    killed process loses at most the line it was writing, which the next
    open cuts off (:func:`vok_crawler.corpus.repair_torn_tail`).
    """

    def __init__(self, corpus: Corpus, stats: StatsCollector) -> None:
        self.corpus = corpus
        self.stats = stats
        self.file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesCorpusPipeline:
        require_vok_crawl(crawler)
        corpus = Corpus.of(crawler)
        if corpus is None:
            raise NotConfigured("VOK_CORPUS is empty: no corpus is written")
        return cls(corpus, crawler.stats)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.stats.set_value("vok/corpus/records_before", len(self.corpus.urls))
        self.file = self.corpus.append()
        logger.info("Corpus %s holds %d articles", self.corpus.path, len(self.corpus.urls))

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        url = ItemAdapter(item)["url"]
        if url in self.corpus.urls:
            self.stats.inc_value("vok/corpus/already_known")
            return item
        self.file.write(json_line(item))
        self.file.flush()
        self.corpus.urls.add(url)
        self.stats.inc_value("vok/corpus/written")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.file:
            self.file.close()
