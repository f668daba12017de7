"""A subscriber's session that runs out in the middle of a run.

A run given a session (``VOK_COOKIES_FILE``, or a browser profile with
``VOK_BROWSER_PROFILE``) reads articles behind the gate whole, until the
site forgets the login: from then on the pages come back gated, one after
another. Listing them as ``gated`` would be wrong (the next run with a fresh
session must read them), and going on would only collect more of them.

:class:`SessionWatch` counts the gated article pages in a row after the run
has read at least one article whole; at ``VOK_SESSION_LOST_AFTER`` of them it
stops the crawl at once (finish reason ``session_expired``), says what to do,
and hands every article of that row, and any gated after it, back to the
memory as pending, not gated.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from vok_crawler import stats
from vok_crawler.config import whole_number_setting
from vok_crawler.finish_reasons import SESSION_EXPIRED
from vok_crawler.memory import CrawlMemory
from vok_crawler.scope import require_vok_crawl

logger = logging.getLogger(__name__)

# Sent by the spider for each article page behind the gate (argument ``url``, as the memory keys it).
ARTICLE_GATED = object()
SESSION_HINT = (
    "the login ran out: export fresh cookies (-s VOK_COOKIES_FILE=cookies.txt) or log in again "
    "(scrapy login DIR) and run again; the articles met behind the gate since are pending"
)


def has_session(crawler: Crawler) -> bool:
    """Whether the run was given a subscriber's session: a cookies file, or a browser profile."""
    settings = crawler.settings
    return bool(settings.get("VOK_COOKIES_FILE") or settings.get("VOK_BROWSER_PROFILE"))


class SessionWatch:
    """Gated article pages in a row, once the session has opened the gate; too many end the run."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.read_whole = 0
        self.row: list[str] = []
        self.expired = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionWatch:
        require_vok_crawl(crawler)
        if not has_session(crawler):
            raise NotConfigured("no cookies file and no browser profile: no session to run out")
        watch = cls(crawler, whole_number_setting(crawler.settings, "VOK_SESSION_LOST_AFTER"))
        crawler.signals.connect(watch.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(watch.article_gated, signal=ARTICLE_GATED)
        return watch

    @property
    def memory(self) -> CrawlMemory:
        memory = self.crawler.get_extension(CrawlMemory)
        assert memory is not None
        return memory

    def item_scraped(self) -> None:
        """An article read whole: the session opens the gate (or the article had none)."""
        self.read_whole += 1
        self.row.clear()

    def article_gated(self, url: str) -> None:
        if self.expired:
            self._pending(url)
            return
        if not self.read_whole:
            return  # a session that never opened anything is no session that ran out: the gated report says it
        self.row.append(url)
        if len(self.row) < self.limit:
            return
        self.expired = True
        logger.error(
            "%d article pages in a row came back behind the gate after %d were read whole: %s",
            len(self.row),
            self.read_whole,
            SESSION_HINT,
        )
        for gated in self.row:
            self._pending(gated)
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=SESSION_EXPIRED))

    def _pending(self, url: str) -> None:
        """Met behind the gate only because the session ran out: asked for again, not listed as gated."""
        self.memory.ledger.tell(url, "failed")
        self.crawler.stats.inc_value(stats.SESSION_LOST)
