"""Stopping a crawl with a finish reason: the one call every component that ends a run makes."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred

# The closes under way, kept until done: the event loop keeps only a weak reference to a task (as Scrapy's
# deferred_from_coro warns), so a close nobody holds could be collected before it ends.
_CLOSING: set[Deferred[None]] = set()


def stop_crawl(crawler: Crawler, reason: str) -> Deferred[None]:
    """Close the crawl with finish reason ``reason`` (one of :mod:`vok_crawler.finish_reasons`), as soon as it can."""
    assert crawler.engine is not None, "only a running crawl is stopped"
    closing: Deferred[None] = deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
    _CLOSING.add(closing)
    closing.addBoth(_done, closing)
    return closing


def _done(result: object, closing: Deferred[None]) -> object:
    _CLOSING.discard(closing)
    return result
