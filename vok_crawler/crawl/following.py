"""The requests the spider makes for the site's URLs, and the pages it reads from their answers.

Apart from the spider so that its callbacks read as routing: which URL is
worth a request (on the start URL's site, not asked before in this run, not
known to the ledger) and how an answer becomes a page object are decided
here, once, for every road. A link shaped like an article's on a host name
that is not the site's is not followed, but it is not dropped in silence
either: counted per host, named once in the log with the setting that
would take it, and told to the ledger as ``elsewhere``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.roads.road import ROAD_OWN, ROAD_STEP
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.parsing import page_selector
from vok_crawler.site.urls import Aliases, aliases_setting, is_article_url, is_on_site, site_host
from vok_crawler.store.ledger import Ledger
from vok_crawler.wording import counted

logger = logging.getLogger(__name__)

PageT = TypeVar("PageT", bound=SitePage)
Callback = Callable[[Response], Any]


@dataclass(frozen=True)
class LinksElsewhere:
    """The article links a run did not follow, on host names that are not the site's: for its report and summary."""

    by_host: dict[str, int]  # article links (each URL once) by host
    setting: str | None  # the VOK_HOST_ALIASES=... that takes them; None when there were none

    @classmethod
    def from_counters(cls, counters: Mapping[str, Any], aliases: Aliases) -> LinksElsewhere:
        """From the run's counters (:func:`vok_crawler.stats.unknown_host`) and the site's names."""
        found = stats.by_suffix(dict(counters), stats.UNKNOWN_HOSTS)
        by_host = {host: n for host, n in found.items() if isinstance(n, int)}
        return cls(by_host, aliases_setting(aliases, by_host) if by_host else None)

    def report(self) -> dict[str, Any]:
        """The health report's ``unknown_hosts``."""
        return {"article_links": self.by_host, "setting": self.setting}

    def told(self) -> str:
        """The links by host and the setting that takes them, in the words of the summary and the probe's verdict."""
        links = ", ".join(f"{counted(n, 'article link')} on {host}" for host, n in self.by_host.items())
        return (
            f"{links}, not among the site's host names (VOK_HOST_ALIASES); "
            f"if that is the site under another name, run with -s {self.setting}"
        )

    def sentence(self) -> str:
        """The summary's words for them (empty when there were none)."""
        return f"Not followed: {self.told()} (the next run asks for them). " if self.by_host else ""


@dataclass(frozen=True)
class Callbacks:
    """The spider's callbacks: ``article`` and ``listing`` for the two kinds of page of the site that need more
    than a request (an article is in flight in the ledger until its outcome is told; a slice passes the
    dupefilter), ``road`` for the road's own pages, and ``errback`` for every failure."""

    article: Callback
    listing: Callback
    road: Callback
    errback: Callable[[Any], Any]


class SiteRequests:
    """Requests for the canonical site URLs not asked for before in this run, and the pages of their answers;
    and the requests a road makes for pages of its own, on the site or off it (:meth:`road_pages`, :meth:`own`)."""

    def __init__(
        self, start_url: str, aliases: Aliases, ledger: Ledger, counters: StatsCollector, callbacks: Callbacks
    ) -> None:
        self.start_url = start_url
        self.aliases = aliases
        self.ledger = ledger
        self.counters = counters
        self.callbacks = callbacks
        self.met_elsewhere: set[str] = set()  # article links off the site met in this run, each counted once

    def follow(self, urls: Iterable[str | None], callback: Callback | None = None) -> Iterator[scrapy.Request]:
        """Requests for the canonical site URLs not asked for before in this run (slices, unless told).

        Checking here, before a ``Request`` is built, spares the dupefilter and
        the scheduler the site's many repeated links. A slice passes the
        dupefilter even when a paused run (``JOBDIR``) asked for it before:
        the walk must see its slices to know that it reached the end.
        """
        callback = callback or self.callbacks.listing
        for url in urls:
            if not url:
                continue
            if not is_on_site(url, self.start_url, self.aliases):
                self.elsewhere(url)
            elif self.ledger.first_request(url):
                if callback == self.callbacks.article:
                    self.ledger.asked(url)
                slice_ = callback == self.callbacks.listing
                yield scrapy.Request(url, callback=callback, errback=self.callbacks.errback, dont_filter=slice_)

    def road_pages(self, urls: Iterable[str | None], step: str) -> Iterator[scrapy.Request]:
        """Requests for site URLs that are pages of the road's own (a search's days), routed to its ``step``:
        on the site, each asked once a run, as :meth:`follow` asks them."""
        for request in self.follow(urls, self.callbacks.road):
            request.meta[ROAD_STEP] = step
            yield request

    def own(self, url: str, step: str, **meta: Any) -> scrapy.Request:
        """A request the road makes off the site, to a host of its own (an archive's index), routed to its
        ``step``: not the site's, so not dropped as off it, and not judged by its redirect rules; a failure
        counts as the road's step says, never as the walk's."""
        return scrapy.Request(
            url,
            callback=self.callbacks.road,
            errback=self.callbacks.errback,
            meta={**meta, ROAD_STEP: step, ROAD_OWN: True},
        )

    def elsewhere(self, url: str) -> None:
        """A link off the site: if it is shaped like an article's, counted once a run under its host and remembered.

        The first of a host is logged (WARNING) with the setting that takes
        it: a loopback copy served without its second name, or a name the
        site took after ``VOK_HOST_ALIASES`` was written, would otherwise
        lose its articles without a word.
        """
        if not is_article_url(url) or url in self.met_elsewhere:
            return
        self.met_elsewhere.add(url)
        self.ledger.tell(url, "elsewhere")
        host = site_host(urlsplit(url).netloc)
        key = stats.unknown_host(host)
        if not self.counters.get_value(key):
            logger.warning(
                "Not following article links on %s (%s first): not among the site's host names (VOK_HOST_ALIASES); "
                "if that is the site under another name, run with -s %s (the next run asks for them)",
                host,
                url,
                aliases_setting(self.aliases, [host]),
            )
        self.counters.inc_value(key)

    def unknown(self, urls: Iterable[str | None]) -> list[str]:
        """The URLs the ledger does not know (each known one counted once)."""
        unknown = []
        for url in urls:
            if not url:
                continue
            if not self.ledger.is_known(url):
                unknown.append(url)
            elif self.ledger.first_request(url):
                self.counters.inc_value(stats.ARTICLES_ALREADY_KNOWN)
        return unknown

    def page(self, page_class: type[PageT], response: Response) -> PageT | None:
        """The answer as a page object; ``None`` (logged and counted) when it is no HTML page."""
        if not isinstance(response, TextResponse):
            logger.warning("Skipping %s: not an HTML page (%s)", response.url, response.headers.get("Content-Type"))
            self.counters.inc_value(stats.SKIPPED_NOT_HTML)
            return None
        return page_class(page_selector(response), response.url, self.start_url, self.aliases)
