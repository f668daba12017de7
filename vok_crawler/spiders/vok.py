"""The ``vok`` spider: routing only.

It follows the listing's teasers, every "More Articles" slice (by its link,
or built from the page when the site's control is script-driven or absent)
and the "More From ..." teasers of article pages, on the start URL's own
site and nothing else. What a page holds is read by :mod:`vok_crawler.pages`;
what is known, and what happened, is kept by :class:`vok_crawler.memory.CrawlMemory`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import date
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.config import switch
from vok_crawler.errors import GONE, REFUSALS, BadConfiguration, error_kind, failed_request, http_response
from vok_crawler.finish_reasons import BLOCKED
from vok_crawler.items import Article, Teaser
from vok_crawler.memory import CrawlMemory
from vok_crawler.pages import ArticlePage, SitePage
from vok_crawler.problems import report
from vok_crawler.processors import posted_date
from vok_crawler.replay import fetched_at
from vok_crawler.slices import Slice, parse_slice
from vok_crawler.urls import asked_url, canonical_url, is_on_site

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://kcnawatch.org/article/163/"
# A slice past the end of the list answers nothing, or WordPress's "0" / "-1".
END_OF_LIST_TEXT = frozenset({"", "0", "-1"})
PageT = TypeVar("PageT", bound=SitePage)


def days(value: str) -> int:
    """``-a revisit=DAYS``: a whole number of days, 0 or more."""
    if not str(value).strip().isdigit():
        raise BadConfiguration(f"revisit must be a number of days, not {value!r}")
    return int(value)


class VokSpider(scrapy.Spider):
    """Voice of Korea (EN) on KCNA Watch.

    Arguments (``-a``): ``start_url`` a source listing (default, the live
    one), a "More Articles" slice or an article page; ``source_id`` the
    source's slice id, when no page shows it; ``refresh=1`` fetch known
    articles again and walk the whole listing; ``since=YYYY-MM-DD`` only
    articles posted on or after that day; ``revisit=DAYS`` ask again for
    the known articles posted in the last DAYS days and log what changed
    (``vok.changes.jsonl``); ``replay=DIR`` read the archive instead of the
    network. Unknown arguments (as Scrapyd passes) are accepted and kept as
    attributes.

    With a corpus, the crawl is incremental: known articles are not fetched,
    and the listing is walked only until a slice holds no unknown article,
    unless the last run did not complete (then it walks to the end).
    """

    name = "vok"
    reads_kcnawatch = True  # the project's components serve this spider (and the probe built on it) only

    def __init__(
        self,
        start_url: str = DEFAULT_START_URL,
        refresh: str = "0",
        since: str | None = None,
        source_id: str | None = None,
        revisit: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        canonical = canonical_url(start_url, start_url, start_url)
        if canonical is None:
            raise BadConfiguration(f"start_url must be an http(s) URL, not {start_url!r}")
        self.start_url = canonical
        try:
            self.since = date.fromisoformat(since).isoformat() if since else None
        except ValueError:
            raise BadConfiguration(f"since must be a date as YYYY-MM-DD, not {since!r}") from None
        if source_id is not None and not str(source_id).strip().isdigit():
            raise BadConfiguration(f"source_id must be the source's number in slice URLs (id=K), not {source_id!r}")
        self.source_id = str(source_id).strip() if source_id is not None else None
        self.revisit = days(revisit) if revisit is not None else None
        self.refresh = switch("refresh", refresh)
        self.site = urlsplit(self.start_url).netloc.replace(":", "_")  # for VOK_CORPUS's %(site)s
        self.refusals_in_a_row = 0

    @cached_property
    def memory(self) -> CrawlMemory:
        """The crawl's memory; a run that keeps nothing (``scrapy parse``) gets one without a corpus."""
        return self.crawler.get_extension(CrawlMemory) or CrawlMemory(self.crawler, None)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        memory = self.memory
        for request in self._follow([self.start_url], self.parse):
            yield request
        for request in self._follow(memory.to_ask_again(), self.parse_article):
            yield request
        for request in self._follow(memory.to_revisit(), self.parse_article):
            yield request

    def parse(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page, of any kind: a slice by its URL, else its markup tells which."""
        if parse_slice(response.url) is None and isinstance(response, TextResponse):
            page = ArticlePage(response.selector, response.url, self.start_url)
            if page.is_article() or page.gate():
                return self.parse_article(response)
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A source listing or a "More Articles" slice: teasers, then the next slice."""
        asked = parse_slice(response.url)
        page = self._page(SitePage, response)
        if page is None:
            self.memory.listing_failed()
            return
        teasers = page.teasers()
        report(page.problems, self.crawler.stats)
        self.crawler.stats.inc_value(stats.PAGES_LISTING)
        self.crawler.stats.inc_value(stats.TEASERS_LISTING, len(teasers))
        if asked is not None:
            self.memory.walk.observe(asked, len(teasers))
        if not teasers:
            self._no_teasers(response, page, asked)
            return
        self._answered()
        wanted = self._not_before_since(teasers)
        unknown = self._unknown(teaser.url for teaser in wanted)
        yield from self._follow(unknown, self.parse_article)
        if not wanted:  # only dated teasers are ever left out
            self._stop(response, f"every article on it is older than {self.since}")
        elif not unknown and not self.memory.walk_all:
            self._stop(response, "no article on it is new")
        else:
            yield from self._next_slice(response, page, asked, len(teasers))

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """An article: its record if the source is ours, then its "More From" teasers."""
        page = self._page(ArticlePage, response)
        url = asked_url(response)
        if page is None:
            self.memory.skip(url)
            return
        gate = page.gate()
        if gate:
            self._gated(url, gate)
            return
        if not page.is_article():
            self.memory.failed(url)
            self._refused(url, "unrecognized", "the page is neither an article, a listing nor the NK Pro gate")
            return
        self._answered()
        self.crawler.stats.inc_value(stats.PAGES_ARTICLE)
        item = page.to_item(crawled_at=fetched_at(response))
        report(page.problems, self.crawler.stats)
        assert item.url is not None  # the page's own URL is the last rule for it
        self.memory.first_request(item.url)  # its canonical spelling may be linked too
        wanted = self.settings.get("VOK_SOURCE")
        if item.source is None:
            logger.warning("No source found on %s: asked for again next run", response.url)
            self.memory.failed(url)
            return
        if item.source != wanted:
            logger.info("Skipping %s: source is %r, not %r", response.url, item.source, wanted)
            self.crawler.stats.inc_value(stats.SKIPPED_OTHER_SOURCE)
            self.memory.skip(url)
            return
        self.memory.read(url, item.url)
        if self.since and item.posted and item.posted < self.since:
            self.crawler.stats.inc_value(stats.SKIPPED_BEFORE_SINCE)
            return
        yield item
        related = self._unknown(teaser.url for teaser in self._not_before_since(item.related))
        yield from self._follow(related, self.parse_article)
        if self.memory.walk_all and not self.memory.walk.asked:  # once slices are asked, the walk goes on by itself
            yield from self._next_slice(response, page, None, len(page.findings()["related"].value or []))

    def on_error(self, failure: Failure) -> None:
        """A request that failed for good: log it, count it by kind, remember what to ask again."""
        request = failed_request(failure)
        url = asked_url(request)
        kind = error_kind(failure)
        is_article = request.callback == self.parse_article
        if kind == "gated" and is_article:
            self._gated(url, "redirect to free-member-form")
            return
        self.crawler.stats.inc_value(stats.error(kind))
        level = logging.INFO if kind in GONE else logging.WARNING
        logger.log(level, "Giving up on %s: %s (%s)", request.url, kind, failure.getErrorMessage())
        response = http_response(failure)
        if not is_article:
            self.memory.listing_failed()
        elif kind in GONE and response is not None and self.memory.withdrawn(url, response.status):
            pass  # a known article withdrawn: logged as a change, kept in the corpus
        elif kind in GONE:
            self.memory.skip(url)
        else:
            self.memory.failed(url)
        if kind in REFUSALS:
            self._refused(url, kind, failure.getErrorMessage())

    def _next_slice(
        self, response: Response, page: SitePage, asked: Slice | None, held: int
    ) -> Iterator[scrapy.Request]:
        """The slice after this page: the control's link, or one built from what the pages showed."""
        control = page.more_articles()
        report(page.problems, self.crawler.stats)
        walk = self.memory.walk
        walk.learn(control, held)
        self.crawler.stats.inc_value(stats.pagination_route(control.route))
        target = parse_slice(control.href) if control.href else None  # a control's href is a slice URL
        if target is None:
            start = control.start if control.start is not None else (asked.start if asked else 0) + held
            target = walk.slice_at(start)
        if target is None:
            if asked is None and self.memory.walk_all:
                self.memory.stuck(
                    f"no way to the slice after {response.url}: no link, no data-id, no slice URL in its scripts "
                    "(give the source's id with -a source_id=K)"
                )
            return
        if not walk.claim(target.start):
            if asked is not None:  # a slice pointing back: a loop; every article page points at the first slice
                logger.info(
                    "More Articles on %s points back to offset %d, asked for already", response.url, target.start
                )
                self.crawler.stats.inc_value(stats.SLICE_SEEN_AGAIN)
            return
        yield from self._follow([control.href or target.url(self.start_url)], self.parse_listing)

    def _no_teasers(self, response: Response, page: SitePage, asked: Slice | None) -> None:
        """A page without teasers: the end of the list, or a page that is not what was asked for."""
        text = " ".join(page.root.xpath("//body//text()")).strip()
        if asked is None or text not in END_OF_LIST_TEXT:
            self.memory.listing_failed()
            self._refused(response.url, "unrecognized", "no teaser on a listing page or slice")
            return
        self._answered()
        if self.memory.walk_all and not self.memory.walk.slices_with_teasers:
            self.memory.stuck(f"the first slice, {response.url}, held no teaser (is the source id right?)")

    def _gated(self, url: str, trace: str) -> None:
        self._answered()
        again = (
            "the subscriber's cookies did not open it (expired, or logged out?); asked for again next run"
            if self.settings.get("VOK_COOKIES_FILE")
            else "asked for again on a run with a subscriber's cookies"
        )
        logger.info("Gated (NK Pro) %s: %s; %s", url, trace, again)
        self.crawler.stats.inc_value(stats.GATED)
        self.memory.gate(url)

    def _refused(self, url: str, kind: str, why: str) -> None:
        """The site refused or answered nonsense: enough of that in a row stops the crawl."""
        self.crawler.stats.inc_value(stats.REFUSALS)
        if kind == "unrecognized":
            self.crawler.stats.inc_value(stats.PAGES_UNRECOGNIZED)
            logger.warning("Unrecognized page %s: %s", url, why)
        self.refusals_in_a_row += 1
        limit = self.settings.getint("VOK_BLOCKED_AFTER")
        if self.refusals_in_a_row >= limit:
            logger.error(
                "The site has refused %d requests in a row (the last, %s: %s): stopping; what was not read stays pending",
                self.refusals_in_a_row,
                url,
                kind,
            )
            raise CloseSpider(BLOCKED)

    def _answered(self) -> None:
        self.refusals_in_a_row = 0

    def _stop(self, response: Response, why: str) -> None:
        logger.info("Not following More Articles on %s: %s", response.url, why)
        self.crawler.stats.inc_value(stats.LISTING_STOPPED_EARLY)

    def _not_before_since(self, teasers: Iterable[Teaser]) -> list[Teaser]:
        """Teasers posted on or after ``since`` (by their URL's epoch, else their date; undated kept)."""
        if not self.since:
            return list(teasers)
        kept = []
        for teaser in teasers:
            posted = (posted_date(teaser.url) if teaser.url else None) or teaser.date
            if not posted or posted >= self.since:
                kept.append(teaser)
        return kept

    def _unknown(self, urls: Iterable[str | None]) -> list[str]:
        """The URLs the memory does not know (each known one counted once)."""
        unknown = []
        for url in urls:
            if not url:
                continue
            if not self.memory.is_known(url):
                unknown.append(url)
            elif self.memory.first_request(url):
                self.crawler.stats.inc_value(stats.ARTICLES_ALREADY_KNOWN)
        return unknown

    def _page(self, page_class: type[PageT], response: Response) -> PageT | None:
        if not isinstance(response, TextResponse):
            logger.warning("Skipping %s: not an HTML page (%s)", response.url, response.headers.get("Content-Type"))
            self.crawler.stats.inc_value(stats.SKIPPED_NOT_HTML)
            return None
        return page_class(response.selector, response.url, self.start_url)

    def _follow(self, urls: Iterable[str | None], callback: Callable[[Response], Any]) -> Iterator[scrapy.Request]:
        """Requests for the canonical site URLs not asked for before in this run.

        Checking here, before a ``Request`` is built, spares the dupefilter and
        the scheduler the site's many repeated links.
        """
        for url in urls:
            if url and is_on_site(url, self.start_url) and self.memory.first_request(url):
                if callback == self.parse_article:
                    self.memory.asked(url)
                yield scrapy.Request(url, callback=callback, errback=self.on_error)
