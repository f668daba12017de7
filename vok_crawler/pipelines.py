"""Item pipelines: check each record against its schema, dedupe by canonical URL, persist to the corpus."""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib.resources import files
from typing import IO, Any

from jsonschema import Draft202012Validator, ValidationError

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from vok_crawler.corpus import Corpus
from vok_crawler.scope import require_vok_crawl
from vok_crawler.serialize import json_line, json_text

logger = logging.getLogger(__name__)

SCHEMA = "schema/article.schema.json"  # inside the package (files() reads it from an egg too)
# Stats: records dropped for not matching the schema, by field (``vok/invalid_record/title``).
INVALID_RECORD = "vok/invalid_record/"


@cache
def record_validator() -> Draft202012Validator:
    """The record's JSON Schema, read from the package: the file is the one definition."""
    return Draft202012Validator(json.loads(files("vok_crawler").joinpath(SCHEMA).read_text(encoding="utf-8")))


def failing_fields(error: ValidationError) -> list[str]:
    """The top-level fields a schema error is about (a missing one included)."""
    if error.absolute_path:
        return [str(error.absolute_path[0])]
    if error.validator == "required" and isinstance(error.validator_value, list) and isinstance(error.instance, dict):
        return [name for name in error.validator_value if name not in error.instance]
    return ["(record)"]


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

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.validator = record_validator()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchemaPipeline:
        require_vok_crawl(crawler)
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        errors = list(self.validator.iter_errors(json.loads(json_text(item))))
        if not errors:
            return item
        problems: dict[str, str] = {}
        for error in errors:
            for name in failing_fields(error):
                problems.setdefault(name, error.message)
        for name in problems:
            self.stats.inc_value(INVALID_RECORD + name)
        details = "; ".join(f"{name}: {message}" for name, message in sorted(problems.items()))
        raise InvalidRecord(f"Invalid record {ItemAdapter(item).get('url')} ({details})", log_level="WARNING")


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
        assert self.file is not None, "open_spider() opens the corpus"
        self.file.write(json_line(item))
        self.file.flush()
        self.corpus.urls.add(url)
        self.stats.inc_value("vok/corpus/written")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.file:
            self.file.close()
