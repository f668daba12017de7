"""The ``vok`` spider: routing only.

It follows the listing's teasers, every "More Articles" slice (by its link,
or built from the page when the site's control is script-driven or absent)
and the "More From ..." teasers of article pages, on the start URL's own
site and nothing else; the search road's routing (a period by date) is
:mod:`vok_crawler.crawl.spiders.search_road`'s, mixed in. What a page holds is read by :mod:`vok_crawler.site.pages`;
what is known, and what happened, is kept by :class:`vok_crawler.crawl.memory.CrawlMemory`
(the ledger of article outcomes, told once per page, and the walk).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime
from functools import cached_property
from typing import Any, cast

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.crawl.config import has_session, host_aliases, switch, whole_number
from vok_crawler.crawl.failures import GONE, REFUSALS, error_kind, failed_request, http_response
from vok_crawler.crawl.following import SiteRequests
from vok_crawler.crawl.memory import CrawlMemory, RunOptions
from vok_crawler.crawl.reading import ArticleReader
from vok_crawler.crawl.refusals import BanWatch, Refusal
from vok_crawler.crawl.replay import fetched_at
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.crawl.spiders.search_road import SearchRoad
from vok_crawler.errors import BadConfiguration
from vok_crawler.items import Article, Teaser
from vok_crawler.site import search
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.parsing import page_selector
from vok_crawler.site.processors import KOREA, posted_date
from vok_crawler.site.slices import Slice, parse_slice
from vok_crawler.site.urls import NO_ALIASES, Aliases, canonical_url, site_name

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://kcnawatch.org/article/163/"
# A slice past the end of the list answers nothing, or WordPress's "0" / "-1".
END_OF_LIST_TEXT = frozenset({"", "0", "-1"})


def not_before(teasers: Iterable[Teaser], since: str | None) -> list[Teaser]:
    """Teasers posted on or after ``since`` (by their URL's epoch, else their date; undated kept)."""
    if not since:
        return list(teasers)
    kept = []
    for teaser in teasers:
        posted = (posted_date(teaser.url) if teaser.url else None) or teaser.date
        if not posted or posted >= since:
            kept.append(teaser)
    return kept


class VokSpider(SearchRoad, scrapy.Spider):
    """Voice of Korea (EN) on KCNA Watch.

    Arguments (``-a``): ``start_url`` a source listing (default, the live
    one), a "More Articles" slice or an article page; ``source_id`` the
    source's slice id, when no page shows it; ``refresh=1`` fetch known
    articles again and walk the whole listing; ``since=YYYY-MM-DD`` only
    articles posted on or after that day; ``published_from=YYYY-MM-DD`` and
    ``published_to=YYYY-MM-DD`` read the articles published in that period
    through the site's search, a day at a time, instead of walking the
    listing (:mod:`vok_crawler.site.search`); ``revisit=DAYS`` ask again for
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
    # One line a record at DEBUG is Scrapy's default; INFO keeps a crawl's log readable (-s LOG_LEVEL=DEBUG
    # shows every record again). vok_crawler.crawl.progress.Progress says where the crawl is instead of LogStats.
    custom_settings = {"LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 0}  # noqa: RUF012  (Scrapy declares it an instance attribute)
    host_aliases: Aliases = NO_ALIASES  # the site's other names, from VOK_HOST_ALIASES (set in from_crawler)
    site: str  # what VOK_CORPUS's %(site)s says: the site's name, whichever of its names the crawl started from

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VokSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.host_aliases = host_aliases(crawler.settings)
        spider.site = site_name(spider.start_url, spider.host_aliases)
        return spider

    def __init__(
        self,
        start_url: str = DEFAULT_START_URL,
        refresh: str = "0",
        since: str | None = None,
        source_id: str | None = None,
        revisit: str | None = None,
        published_from: str | None = None,
        published_to: str | None = None,
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
        if source_id is not None:
            whole_number("source_id", source_id, "the source's number in slice URLs (id=K)")
        self.source_id = str(source_id).strip() if source_id is not None else None
        self.revisit = whole_number("revisit", revisit, "a number of days") if revisit is not None else None
        self.refresh = switch("refresh", refresh)
        # The search road, instead of the listing (vok_crawler.crawl.spiders.search_road): its period, what its days showed.
        self.period = search.period(published_from, published_to, datetime.now(KOREA).date())
        self.search_days = search.SearchDays(self.period) if self.period is not None else None
        # What the memory is asked.
        self.options = RunOptions(self.refresh, self.since, self.source_id, self.revisit, self.period is not None)

    @cached_property
    def memory(self) -> CrawlMemory:
        """The crawl's memory; a run that keeps nothing (``scrapy parse``) gets one without a corpus."""
        return self.crawler.get_extension(CrawlMemory) or CrawlMemory(self.crawler, None, self.options)

    @cached_property
    def bans(self) -> BanWatch:
        """The refusal count and the decision to stop are :class:`BanWatch`'s; the spider tells it outcomes."""
        bans = self.crawler.get_downloader_middleware(BanWatch)
        assert bans is not None, "the vok spider needs the BanWatch downloader middleware"
        return bans

    @cached_property
    def requests(self) -> SiteRequests:
        """Which of the site's URLs are asked for, and the pages their answers are."""
        callbacks = (self.parse_article, self.parse_listing, self.on_error)
        return SiteRequests(self.start_url, self.host_aliases, self.memory.ledger, self.crawler.stats, callbacks)

    @cached_property
    def reader(self) -> ArticleReader:
        """The judge of article pages: the record, or why there is none."""
        return ArticleReader(
            self.crawler.stats,
            self.bans,
            self.memory.ledger,
            self.crawler.signals,
            self.settings.get("VOK_SOURCE"),
            has_session(self.settings),
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        memory = self.memory
        if self.period is not None:  # the search road reads the period and nothing else
            if self.period.asked_last is not None:
                logger.info(
                    "published_to %s is after today (%s in Korea): the period ends today",
                    self.period.asked_last,
                    self.period.last,
                )
            for request in self.requests.follow([self.start_url], self.parse_search_start):
                yield request
            return
        for request in self.requests.follow([self.start_url], self.parse):
            yield request
        for request in self.requests.follow(memory.ledger.to_ask_again(), self.parse_article):
            yield request
        for request in self.requests.follow(memory.to_revisit(), self.parse_article):
            yield request

    def parse(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page, of any kind: a slice by its URL, else its markup tells which."""
        if parse_slice(response.url) is None and isinstance(response, TextResponse):
            page = ArticlePage(page_selector(response), response.url, self.start_url, self.host_aliases)
            if page.is_article() or nk_pro_gate(page):
                return self.parse_article(response)
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A source listing or a "More Articles" slice: teasers, then the next slice."""
        asked = parse_slice(response.url)
        page = self.requests.page(SitePage, response)
        if page is None:
            self.memory.walk.failed(response.url)
            return
        teasers = page.teasers().reported(self.crawler.stats)
        self.crawler.stats.inc_value(stats.PAGES_LISTING)
        self.crawler.stats.inc_value(stats.TEASERS_LISTING, len(teasers))
        if not teasers:
            yield from self._no_teasers(response, page, asked)
            return
        walk = self.memory.walk
        repeat = walk.observe(asked, [teaser.url for teaser in teasers])
        self.bans.answered()
        wanted = not_before(teasers, self.since)
        unknown = self.requests.unknown(teaser.url for teaser in wanted)
        yield from self.requests.follow(unknown, self.parse_article)
        stop = f"every article on it is older than {self.since}" if not wanted else None  # only dated ones are left out
        if wanted and not unknown and not walk.whole:
            stop = "no article on it is new"
        if stop:
            walk.stopped = True
            logger.info("Not following More Articles on %s: %s", response.url, stop)
            self.crawler.stats.inc_value(stats.LISTING_STOPPED_EARLY)
        elif repeat and asked is not None:  # a server that ignores `from`? the next offset tells
            self.crawler.stats.inc_value(stats.SLICE_REPEATS)
            logger.warning("The slice %s held only teasers seen before in this run", response.url)
            if not walk.not_paging:
                yield from self.requests.follow([walk.take(walk.slice_at(asked.start + len(teasers)), self.start_url)])
        else:
            yield from self._next_slice(response, page, asked, len(teasers))

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """An article: its record if the source is ours, then its "More From" teasers.

        Whichever way the page ends (:meth:`ArticleReader.read`), what became of
        it is told to the ledger here, once.
        """
        url = asked_url(response)
        page = self.requests.page(ArticlePage, response)
        verdict = self.reader.read(url, page, fetched_at(response))
        self.memory.ledger.tell(url, verdict.outcome, *verdict.also)
        if verdict.outcome == "gated":
            self.reader.told_gated(url)
        if verdict.refusal:
            self.bans.refused(url, "unrecognized", verdict.refusal)
        item = verdict.item
        if item is None or page is None:
            return
        if self.since and item.posted and item.posted < self.since:
            self.crawler.stats.inc_value(stats.SKIPPED_BEFORE_SINCE)
            return
        if self._outside_the_period(url, item):
            return
        yield item
        if self.period is not None:  # the search road follows no teaser of the article, nor its slices
            return
        related = self.requests.unknown(teaser.url for teaser in not_before(item.related, self.since))
        yield from self.requests.follow(related, self.parse_article)
        walk = self.memory.walk
        if walk.whole and not walk.asked:  # once slices are asked, the walk goes on by itself
            walk.observe(None, [teaser.url for teaser in item.related or []])
            yield from self._next_slice(response, page, None, len(page.findings().value["related"].value or []))

    def on_error(self, failure: Failure) -> None:
        """A request that failed for good: log it, count it by kind, remember what to ask again."""
        request = failed_request(failure)
        url = asked_url(request)
        kind = error_kind(failure)
        if kind in GONE and request.callback in (self.parse, self.parse_listing) and self._past_the_end(url, kind):
            return
        is_article = request.callback in (self.parse_article, self.parse_search_source)
        if request.callback == self.parse_search_source:
            self.memory.walk.stuck(
                f"no source id for the search road: none on the start page, and {url}, asked for its More From "
                f"control, answered {kind} (give the source's id with -a source_id=K)"
            )
        if kind == "gated" and is_article:
            self.reader.gated(url, "redirect to free-member-form")
            self.memory.ledger.tell(url, "gated")
            self.reader.told_gated(url)
            return
        self.crawler.stats.inc_value(stats.error(kind))
        level = logging.INFO if kind in GONE else logging.WARNING
        logger.log(level, "Giving up on %s: %s (%s)", request.url, kind, failure.getErrorMessage())
        response = http_response(failure)
        if not is_article:
            self.memory.walk.failed(url)
        elif not (kind in GONE and response is not None and self.memory.withdrawn(url, response.status)):
            self.memory.ledger.tell(url, "gone" if kind in GONE else "failed")  # a withdrawn one: kept in the corpus
        if kind in REFUSALS:
            self.bans.refused(url, cast(Refusal, kind), failure.getErrorMessage())

    def _next_slice(
        self, response: Response, page: SitePage, asked: Slice | None, held: int
    ) -> Iterator[scrapy.Request]:
        """The slice after this page: the control's link if it goes on, else one built from what the pages showed."""
        control = page.more_articles().reported(self.crawler.stats)
        self.crawler.stats.inc_value(stats.pagination_route(control.route))
        walk = self.memory.walk
        chosen = walk.after(asked, held, control)
        jump = chosen.refused is not None and chosen.refused > chosen.start
        if jump or (chosen.refused is not None and asked is not None):  # every article points at the first slice
            logger.log(
                logging.WARNING if jump else logging.INFO,
                "More Articles on %s %s offset %d: asking %d",
                response.url,
                "jumps ahead to" if jump else "points back to",
                chosen.refused,
                chosen.start,
            )
            self.crawler.stats.inc_value(stats.SLICE_JUMPS if jump else stats.SLICE_SEEN_AGAIN)
        if chosen.target is None and asked is None and walk.whole:
            walk.stuck(
                f"no way to the slice after {response.url}: no link, no data-id, no slice URL in its scripts "
                "(give the source's id with -a source_id=K)"
            )
        yield from self.requests.follow([walk.take(chosen.target, self.start_url, chosen.href)])

    def _past_the_end(self, url: str, kind: str) -> bool:
        """A slice answered 404 or 410: whether that is the end of the list (asked at the walk's frontier).

        Short of the frontier, or before any page of the walk held teasers, it
        is a failure like any other.
        """
        asked = parse_slice(url)
        if asked is None or not self.memory.walk.ended(asked, "not found"):
            return False
        logger.info("The slice %s answered %s: the end of the list", url, kind.removeprefix("http_"))
        self.crawler.stats.inc_value(stats.LISTING_END_NOT_FOUND)
        self._judge_first_slice(url)
        return True

    def _judge_first_slice(self, url: str) -> None:
        """The walk's end came at its first slice: on a whole walk, a source of twelve articles or a wrong id."""
        walk = self.memory.walk
        if walk.whole and not walk.slices_with_teasers:  # judged at the end: a later slice may hold some
            walk.stuck(f"the first slice, {url}, held no teaser (is the source id right?)")

    def _no_teasers(self, response: Response, page: SitePage, asked: Slice | None) -> Iterator[scrapy.Request]:
        """A page without teasers: the end of the list, or a page that is not what was asked for."""
        text = " ".join(page.root.xpath("//body//text()")).strip()
        if asked is None or text not in END_OF_LIST_TEXT:
            self.memory.walk.failed(response.url)
            self.bans.refused(response.url, "unrecognized", "no teaser on a listing page or slice")
            return
        self.bans.answered()
        walk = self.memory.walk
        self._judge_first_slice(response.url)
        if not walk.ended(asked):  # empty short of the offset after the last teaser seen: ask that one
            logger.info("The slice %s is empty before offset %d: asking it", response.url, walk.frontier)
            yield from self.requests.follow([walk.take(walk.slice_at(walk.frontier), self.start_url)])
