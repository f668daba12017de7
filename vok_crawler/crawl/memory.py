"""What the crawl remembers between runs: one small owner per concern, opened and closed together.

:class:`CrawlMemory` is a Scrapy extension of the vok spider that holds them
and ties them to the crawl's signals:

- the corpus and its lock (:class:`~vok_crawler.store.corpus.CorpusStore`), to
  which the corpus pipeline hands records;
- the ledger of article outcomes (:class:`~vok_crawler.store.ledger.Ledger`):
  what is known, what to ask again; the spider tells it each outcome;
- the walk (:class:`~vok_crawler.site.slices.SliceWalk`): how far the listing
  was walked and what it learned of the slices;
- the revisits (:class:`~vok_crawler.store.changes.Revisits`), with ``-a revisit``.

It reads the state file at the start and writes it, and the health file,
at the end. Nothing else keeps memory of the crawl.

The files it writes beside the corpus are named by
:class:`~vok_crawler.store.paths.CorpusFiles`: the state
(:mod:`vok_crawler.store.state`), the last run's health report and the
history of them, and the lock.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.crawl.config import has_session
from vok_crawler.crawl.context import CrawlContext
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.crawl.scope import crawl_context, require_corpus_crawl
from vok_crawler.errors import CorpusWriteFailed
from vok_crawler.finish_reasons import WRITE_FAILED
from vok_crawler.site.processors import KOREA
from vok_crawler.site.slices import SliceWalk
from vok_crawler.site.urls import on_crawl_host
from vok_crawler.store.changes import Revisits
from vok_crawler.store.corpus import CorpusStore
from vok_crawler.store.durable import append_line, write_durably
from vok_crawler.store.ledger import Ledger
from vok_crawler.store.state import last_state

logger = logging.getLogger(__name__)


def utc_now() -> str:
    """ISO 8601 in UTC, to the second, with its zone (``...Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def crawl_memory(crawler: Crawler) -> CrawlMemory:
    """The vok crawl's memory, for the components that read or tell it (extensions are built first, the memory first)."""
    memory = crawler.get_extension(CrawlMemory)
    assert memory is not None, "a component of the vok crawl runs with its memory"
    return memory


class ReadsMemory:
    """A component of the vok crawl that reads or tells its memory: asked for when used, once every extension is built."""

    crawler: Crawler

    @property
    def memory(self) -> CrawlMemory:
        return crawl_memory(self.crawler)


class CrawlMemory:
    """The corpus, the ledger, the walk and the revisits of one crawl of the vok spider (see the module).

    Without a corpus (``VOK_CORPUS`` empty) it remembers nothing: every
    article is unknown and the whole listing is walked.
    """

    def __init__(self, crawler: Crawler, context: CrawlContext) -> None:
        self.stats = crawler.stats
        self.path = path = context.corpus.corpus if context.corpus is not None else None
        options = context.options
        self.since = options.since
        self.road = context.road
        # URLs a run started from another of the site's names wrote, read as this run spells them.
        origin, aliases = context.start_url, context.aliases
        self.store = CorpusStore(path, lambda url: on_crawl_host(url, origin, aliases))
        self.files = self.store.files
        state = (last_state(self.files.state) if self.files is not None else None) or {"complete": False}
        self.was_complete: bool = state["complete"] and not self.store.cut  # a cut record is known nowhere now
        self.ledger = Ledger(
            self.store.urls,
            [on_crawl_host(url, origin, aliases) for url in state.get("pending", [])],
            [on_crawl_host(url, origin, aliases) for url in state.get("gated", [])],
            [on_crawl_host(url, origin, aliases) for url in state.get("skipped", [])],
            [on_crawl_host(url, origin, aliases) for url in state.get("elsewhere", [])],
            refresh=options.refresh,
            retry_gated=has_session(crawler.settings),
        )
        walk: dict[str, Any] = state.get("pagination", {})
        self.walk = SliceWalk(
            source_id=options.source_id or walk.get("source_id"),
            size=walk.get("slice_size"),
            reading=walk.get("to_reading", "unknown"),
            given_id=options.source_id is not None,
            whole=options.refresh or not self.was_complete,
        )
        # How many slices the last walk of the whole listing asked for: the progress line's yardstick.
        self.full_walk_slices: int | None = state.get("full_walk_slices")
        self.revisits = (
            Revisits(path, self.store.urls, (datetime.now(KOREA).date() - timedelta(days=options.revisit)).isoformat())
            if options.revisit is not None and path is not None
            else None
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlMemory:
        require_corpus_crawl(crawler)
        memory = cls(crawler, crawl_context(crawler))
        crawler.signals.connect(memory.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(memory.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(memory.spider_error, signal=signals.spider_error)
        crawler.signals.connect(memory.engine_stopped, signal=signals.engine_stopped)
        return memory

    # The revisits (-a revisit=DAYS).

    def to_revisit(self) -> list[str]:
        """Known articles posted in the last ``revisit`` days, asked for again to see what changed."""
        return self.revisits.urls if self.revisits is not None else []

    def withdrawn(self, url: str, status: int) -> bool:
        """A known article answered 404 or 410 on a revisit; whether it is one (and was logged)."""
        if self.revisits is None or url not in self.revisits:
            return False
        self.ledger.tell(url, "read")
        self._count_change(self.revisits.gone(url, status, utc_now()))
        return True

    def revisited(self, record: Any) -> None:
        """A known article answered again: log what changed since its latest version, if anything."""
        url = ItemAdapter(record)["url"]
        if self.revisits is None or url not in self.revisits:
            return
        try:
            self._count_change(self.revisits.seen(record, ItemAdapter(record)["crawled_at"] or utc_now()))
        except OSError as error:
            raise CorpusWriteFailed(f"{self.revisits.log.path}: {error.strerror or error}") from error

    def _count_change(self, change: str | None) -> None:
        if change:
            self.stats.inc_value(stats.change(change))

    # The corpus.

    def write(self, url: str, line: str) -> bool:
        """Append a record's line unless the corpus has its URL; whether it was written.

        The line goes to the file whole or not at all; when it cannot
        (:class:`~vok_crawler.errors.CorpusWriteFailed`), the article is
        pending for the next run.
        """
        try:
            return self.store.write(url, line)
        except OSError as error:
            self.ledger.tell(url, "failed")
            raise CorpusWriteFailed(f"{self.path}: {error.strerror or error}") from error

    # The crawl's signals.

    def spider_opened(self, spider: Spider) -> None:
        self.stats.set_value(stats.CORPUS_RECORDS_BEFORE, len(self.store.urls))
        self.stats.set_value(stats.CORPUS_LINES_READ, self.store.urls.lines_read)
        if self.path is None:
            return
        logger.info(
            "Corpus %s holds %d articles; %s",
            self.path,
            len(self.store.urls),
            "walking the whole listing" if self.walk.whole else "walking the listing until a slice holds nothing new",
        )
        self.store.open()
        self.write_state(complete=False, reason="running")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Remember whether the listing was walked to its end, and what is left to ask for."""
        try:
            self.store.close()
        except OSError as error:
            self._write_failed(self.path, error)
        if self.revisits is not None:
            self.revisits.log.close()
        if self.path is not None:
            # A run that read a part (since, or a road that reads no whole list) has not walked the listing to its end.
            partial = self.since is not None or not self.road.reads_whole_list
            walked = reason == "finished" and not self.walk.failed_pages and self.walk.pagination_stuck is None
            if walked and self.walk.whole and not partial:
                self.full_walk_slices = len(self.walk.asked)
            self.write_state(complete=walked and (not partial or self.was_complete), reason=reason)

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        """A callback raised: its article (one the ledger has in flight) is asked for again, or, for any other
        page (a listing, a slice), the walk is not complete."""
        url = asked_url(response)
        if url in self.ledger.in_flight:
            self.ledger.tell(url, "failed")
        else:
            self.walk.failed(response.url)

    def engine_stopped(self) -> None:
        """After every file is written (the health report's too): let the next crawl in."""
        self.store.release()

    # The files beside the corpus.

    def write_state(self, complete: bool, reason: str) -> None:
        if self.files is None:
            return
        self._write_json(
            self.files.state,
            {
                "complete": complete,
                **self.ledger.remembered(),
                "pagination": self.walk.remembered(),
                "full_walk_slices": self.full_walk_slices,
                "finish_reason": reason,
                "at": utc_now(),
            },
        )

    def write_health(self, report: dict[str, Any]) -> Path | None:
        """The run's health report beside the corpus: the last run's file, and a line of the history of them all."""
        if self.files is None:
            return None
        written = self._write_json(self.files.health, report)
        try:
            append_line(self.files.health_history, json.dumps(report, ensure_ascii=False) + "\n")
        except OSError as error:
            self._write_failed(self.files.health_history, error)
        return written

    def _write_json(self, path: Path, data: dict[str, Any]) -> Path | None:
        """Write a file beside the corpus atomically: a kill leaves the old one or the new one."""
        try:
            write_durably(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        except OSError as error:
            self._write_failed(path, error)
            return None
        return path

    def _write_failed(self, path: Path | None, error: OSError) -> None:
        """A file of the crawl's memory could not be written: logged, counted, and the run exits non-zero."""
        logger.error("Could not write %s: %s (this run will exit non-zero)", path, error.strerror or error)
        self.stats.inc_value(stats.error(WRITE_FAILED))
