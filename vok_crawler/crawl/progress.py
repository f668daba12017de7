"""A crawl that says where it is: a progress line while it runs, a summary in plain words at its end.

Every ``VOK_PROGRESS_INTERVAL`` seconds (a minute; 0 turns the line off)
one line: new articles, known ones met, slices walked, pending and gated so
far, pages and their pace. When the run walks the whole listing and the
last full walk's length is in the state (``full_walk_slices``), the line
adds the share done and the time left, extrapolated from the pages each
slice has brought so far. It stands in for Scrapy's LogStats line in the
vok crawl (the spider turns LogStats off).

At the close, before Scrapy's stats, a few lines: the source, the road and
the corpus of the run; then new, gated, pending, errors, the corpus's
total, the article links not followed because their host is not among the
site's names (with the setting that takes them), the run's time, the
finish reason and what to do about it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.config import has_session, seconds_setting
from vok_crawler.crawl.following import LinksElsewhere
from vok_crawler.crawl.memory import ReadsMemory
from vok_crawler.crawl.scope import ReadsContext, require_corpus_crawl
from vok_crawler.wording import counted

logger = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """``1 h 20 min``, ``2 min 13 s``, ``8 s``: a time as a person says it."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def estimate(walked: int, full_walk: int | None, pages: int, queued: int, elapsed: float) -> tuple[float, float] | None:
    """The share of the run done and the seconds left, or ``None`` while nothing tells.

    The walk is ``full_walk`` slices long (the last full walk's); each slice
    walked so far has brought ``(pages + queued) / walked`` pages (itself and
    its new articles), and the slices not yet walked are taken to bring as
    many. Time left is the time so far, scaled by the pages left.
    """
    if not full_walk or not walked or not pages:
        return None
    per_slice = (pages + queued) / walked
    total = pages + queued + max(full_walk - walked, 0) * per_slice
    return pages / total, elapsed * (total - pages) / pages


@dataclass(frozen=True)
class Snapshot:
    """Where the crawl is: the figures of one progress line."""

    new: int
    known: int
    slices: int
    pending: int
    gated: int
    pages: int
    errors: int


class Progress(ReadsMemory, ReadsContext):
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.pages_before = 0
        self.task: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        require_corpus_crawl(crawler)
        progress = cls(crawler, seconds_setting(crawler.settings, "VOK_PROGRESS_INTERVAL"))
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def snapshot(self) -> Snapshot:
        counters = self.crawler.stats.get_stats()
        pending, gated = self.memory.ledger.left_over()
        return Snapshot(
            new=counters.get(stats.CORPUS_WRITTEN, 0),
            known=counters.get(stats.ARTICLES_ALREADY_KNOWN, 0) + counters.get(stats.CORPUS_ALREADY_KNOWN, 0),
            slices=len(self.memory.walk.asked),
            pending=len(pending),
            gated=len(gated),
            pages=counters.get("response_received_count", 0),
            errors=sum(value for key, value in counters.items() if key.startswith(stats.ERRORS)),
        )

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.interval > 0:
            self.task = create_looping_call(self.log)
            self.task.start(self.interval, now=False)

    def log(self) -> None:
        now = self.snapshot()
        elapsed = time.monotonic() - self.started
        pace = (now.pages - self.pages_before) * 60 / self.interval
        self.pages_before = now.pages
        line = (
            f"Progress: {counted(now.new, 'new article')}, {now.known} known met, "
            f"{counted(now.slices, 'slice')} walked, {now.pending} pending, {now.gated} gated; "
            f"{counted(now.pages, 'page')} ({pace:.0f}/min)"
        )
        memory = self.memory
        done = estimate(
            now.slices,
            memory.full_walk_slices if memory.walk.whole else None,
            now.pages,
            len(memory.ledger.in_flight),
            elapsed,
        )
        if done is not None:
            line += f"; {done[0]:.0%} done, about {duration(done[1])} left"
        logger.info(line)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        end = self.snapshot()
        memory = self.memory
        if memory.path is not None:
            written = f"{counted(end.new, 'new article')}; the corpus holds {len(memory.store.urls)}"
        else:
            scraped = self.crawler.stats.get_value("item_scraped_count", 0)
            written = f"{counted(scraped, 'record')} to the feeds; no corpus (VOK_CORPUS empty)"
        elsewhere = LinksElsewhere.from_counters(self.crawler.stats.get_stats(), self.context.aliases)
        logger.info("Source: %s; road: %s; corpus: %s.", self.context.source, self.context.road.name, memory.path)
        logger.info(
            "Summary: %s. Left for the next run: %d pending, %d gated. %s. %sRan %s. Finish reason %s: %s.",
            written,
            end.pending,
            end.gated,
            counted(end.errors, "error"),
            elsewhere.sentence(),
            duration(time.monotonic() - self.started),
            reason,
            advice(reason, has_session(self.crawler.settings)),
        )
