"""Item pipelines: check each record against its schema, dedupe by canonical URL, persist to the corpus."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.memory import crawl_memory
from vok_crawler.crawl.scope import require_corpus_crawl
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.errors import CorpusWriteFailed
from vok_crawler.finish_reasons import WRITE_FAILED
from vok_crawler.store.schemas import failing_fields, passes, record_check, record_validator
from vok_crawler.store.serialize import as_json_data, json_line

logger = logging.getLogger(__name__)


class InvalidRecord(DropItem):
    """A record its own schema rejects: not written to the corpus or any feed."""


class SchemaPipeline:
    """Check every record against ``vok_crawler/schema/article.schema.json`` before it is written.

    The schema is the corpus's promise to its readers (``title`` is text,
    dates are ISO, ...). A record that breaks it, such as an article page
    without its title, is dropped with a warning naming its URL and the
    failing fields, and counted per field under ``vok/invalid_record/``;
    the health report shows the counts.
    """

    def __init__(self, collector: StatsCollector) -> None:
        self.stats = collector
        self.check = record_check()
        self.validator = record_validator()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchemaPipeline:
        require_corpus_crawl(crawler)
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        data = as_json_data(item)
        if passes(self.check, data):
            return item
        errors = list(self.validator.iter_errors(data))  # every failing field, not only the first
        if not errors:  # the reference validator has the last word
            return item
        problems: dict[str, str] = {}
        for error in errors:
            for name in failing_fields(error):
                problems.setdefault(name, error.message)
        for name in problems:
            self.stats.inc_value(stats.invalid_record(name))
        details = "; ".join(f"{name}: {message}" for name, message in sorted(problems.items()))
        raise InvalidRecord(f"Invalid record {ItemAdapter(item).get('url')} ({details})", log_level="WARNING")


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
        require_corpus_crawl(crawler)
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
    :class:`~vok_crawler.crawl.memory.CrawlMemory`, which writes a record only if
    its URL is new, in one unbuffered write; a known article asked for again
    (``-a revisit=DAYS``) goes to its changes log instead.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesCorpusPipeline:
        require_corpus_crawl(crawler)
        if not crawler.settings.get("VOK_CORPUS"):
            raise NotConfigured("VOK_CORPUS is empty: no corpus is written")
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Hand the record to the corpus; a failed write stops the crawl at once (``write_failed``)."""
        memory = crawl_memory(self.crawler)
        try:
            written = memory.write(ItemAdapter(item)["url"], json_line(item))
            if not written:
                memory.revisited(item)
        except CorpusWriteFailed as error:
            logger.error("Could not write to the corpus, stopping: %s (the article is asked for again next run)", error)
            self.stats.inc_value(stats.error(WRITE_FAILED))
            stop_crawl(self.crawler, WRITE_FAILED)
            raise DropItem(f"not written: {error}", log_level="INFO") from None
        self.stats.inc_value(stats.CORPUS_WRITTEN if written else stats.CORPUS_ALREADY_KNOWN)
        return item
