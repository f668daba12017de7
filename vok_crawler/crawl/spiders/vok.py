"""The ``vok`` spider: routing only.

It reads the site's pages by the same rules on every road: a listing's
teasers and its "More Articles" slices (by their link, or built from the
page when the site's control is script-driven or absent), and article
pages with their "More From ..." teasers, on the start URL's own site and
nothing else. Which pages it asks first, whether the articles' teasers and
slices are followed, which records are written and the pages of its own
(a search's days) are the road's (:mod:`vok_crawler.crawl.roads`: ``-a
road=``, or a road's own arguments), an object the spider routes by, never
an ``if``. What a page holds is read by :mod:`vok_crawler.site.pages`; what
is known, and what happened, is kept by :class:`vok_crawler.crawl.memory.CrawlMemory`
(the ledger of article outcomes, told once per page, and the walk). What
the crawl is (the site, the source, the corpus, the road, the job) the
spider publishes once, as its :class:`~vok_crawler.crawl.context.CrawlContext`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date
from functools import cached_property
from typing import Any, cast

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.crawl.archive_reading import ARCHIVE_STEP, FILL_FROM_ARCHIVE, ArchiveReading, filled
from vok_crawler.crawl.capture_reading import archive_capture
from vok_crawler.crawl.config import switch, whole_number
from vok_crawler.crawl.context import CrawlContext, ReadsTheSite, RunOptions
from vok_crawler.crawl.failures import GONE, REFUSALS, error_kind, failed_request, http_response
from vok_crawler.crawl.following import Callbacks, SiteRequests
from vok_crawler.crawl.memory import CrawlMemory
from vok_crawler.crawl.reading import ArticleReader
from vok_crawler.crawl.refusals import BanWatch, Refusal
from vok_crawler.crawl.replay import fetched_at
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.crawl.roads import ROAD_ARGUMENT, choose_road
from vok_crawler.crawl.roads.road import ROAD_STEP, Counts
from vok_crawler.crawl.scope import keeps_a_corpus
from vok_crawler.crawl.session import Gates, session_limit
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.crawl.walking import SliceRequests
from vok_crawler.errors import BadConfiguration
from vok_crawler.finish_reasons import SESSION_EXPIRED
from vok_crawler.items import Article, Teaser
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.parsing import page_selector
from vok_crawler.site.processors import posted_date
from vok_crawler.site.slices import parse_slice
from vok_crawler.site.urls import canonical_url

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://kcnawatch.org/article/163/"


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


class VokSpider(ReadsTheSite):
    """Voice of Korea (EN) on KCNA Watch, or any other of its sources (``-a source=``).

    Arguments (``-a``): ``start_url`` a source listing (default, the live
    one), a "More Articles" slice or an article page; ``source`` the source
    whose articles the corpus keeps (default the setting ``VOK_SOURCE``);
    ``source_id`` the source's slice id, when no page shows it;
    ``refresh=1`` fetch known articles again and walk the whole listing;
    ``since=YYYY-MM-DD`` only articles posted on or after that day;
    ``revisit=DAYS`` ask again for the known articles posted in the last
    DAYS days and log what changed (``vok.changes.jsonl``); ``road=NAME``
    the road (:mod:`vok_crawler.crawl.roads`), or a road's own arguments:
    ``published_from=YYYY-MM-DD`` and ``published_to=YYYY-MM-DD`` read the
    articles published in that period through the site's search
    (:mod:`vok_crawler.crawl.roads.search`), ``replay=DIR`` reads the
    archive instead of the network (:mod:`vok_crawler.crawl.roads.replay`).
    Unknown arguments (as Scrapyd passes) are accepted and kept as
    attributes.

    With a corpus, the crawl is incremental: known articles are not fetched,
    and the listing is walked only until a slice holds no unknown article,
    unless the last run did not complete (then it walks to the end).
    """

    name = "vok"
    # One line a record at DEBUG is Scrapy's default; INFO keeps a crawl's log readable (-s LOG_LEVEL=DEBUG
    # shows every record again). vok_crawler.crawl.progress.Progress says where the crawl is instead of LogStats.
    custom_settings = {"LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 0}  # noqa: RUF012  (Scrapy declares it an instance attribute)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> VokSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.crawl_context = CrawlContext.build(
            crawler.settings,
            spider.name,
            spider.start_url,
            spider.source,
            choose_road(crawler.settings, spider.arguments),
            spider.options,
            spider.arguments,
            keeps_a_corpus(cls, crawler.settings),
        )
        spider.session_limit = session_limit(crawler.settings)  # checked before any request, as every setting
        archive = spider.crawl_context.web_archive
        if archive is not None:  # its answers come back to the road's pages, their failures to on_error
            aliases = spider.crawl_context.aliases
            reading = ArchiveReading(archive, spider.start_url, aliases, crawler, spider.road_page, spider.on_error)
            spider.archive_reading = reading
        return spider

    def __init__(
        self,
        start_url: str = DEFAULT_START_URL,
        refresh: str = "0",
        since: str | None = None,
        source_id: str | None = None,
        revisit: str | None = None,
        source: str | None = None,
        road: str | None = None,
        fill: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # The road's arguments (road=, published_from=, ...) and Scrapyd's (_job): read when the road is chosen.
        self.arguments = {**kwargs, **({ROAD_ARGUMENT: road} if road is not None else {})}
        canonical = canonical_url(start_url, start_url, start_url)
        if canonical is None:
            raise BadConfiguration(f"start_url must be an http(s) URL, not {start_url!r}")
        self.start_url = canonical
        self.source = source
        try:
            self.since = date.fromisoformat(since).isoformat() if since else None
        except ValueError:
            raise BadConfiguration(f"since must be a date as YYYY-MM-DD, not {since!r}") from None
        if source_id is not None:
            whole_number("source_id", source_id, "the source's number in slice URLs (id=K)")
        self.source_id = str(source_id).strip() if source_id is not None else None
        self.revisit = whole_number("revisit", revisit, "a number of days") if revisit is not None else None
        self.refresh = switch("refresh", refresh)
        # What the memory is asked.
        if fill not in (None, FILL_FROM_ARCHIVE):
            raise BadConfiguration(f"fill must be {FILL_FROM_ARCHIVE} (read from a web archive), not {fill!r}")
        self.options = RunOptions(self.refresh, self.since, self.source_id, self.revisit, fill is not None)
        self.session_limit: int | None = None
        # The look-ups in the web archive (the archive road, -a fill=archive); None when none is read.
        self.archive_reading: ArchiveReading | None = None

    @cached_property
    def memory(self) -> CrawlMemory:
        """The crawl's memory; a run that keeps nothing (``scrapy parse``) gets one without a corpus."""
        return self.crawler.get_extension(CrawlMemory) or CrawlMemory(self.crawler, self.crawl_context)

    @cached_property
    def bans(self) -> BanWatch:
        """The refusal count and the decision to stop are :class:`BanWatch`'s; the spider tells it outcomes."""
        bans = self.crawler.get_downloader_middleware(BanWatch)
        assert bans is not None, "the vok spider needs the BanWatch downloader middleware"
        return bans

    @cached_property
    def requests(self) -> SiteRequests:
        """Which of the site's URLs are asked for, and the pages their answers are."""
        callbacks = Callbacks(self.parse_article, self.parse_listing, self.road_page, self.on_error)
        return SiteRequests(
            self.start_url, self.crawl_context.aliases, self.memory.ledger, self.crawler.stats, callbacks
        )

    @cached_property
    def reader(self) -> ArticleReader:
        """The judge of article pages: the record, or why there is none."""
        return ArticleReader(self.crawler.stats, self.bans, self.memory.ledger, self.crawl_context.source)

    @cached_property
    def gates(self) -> Gates:
        """What becomes of an article met behind the gate: its one owner."""
        return Gates(
            self.memory.ledger,
            self.crawler.stats,
            self.bans,
            self.session_limit,
            lambda: stop_crawl(self.crawler, SESSION_EXPIRED),
        )

    @cached_property
    def slices(self) -> SliceRequests:
        """The listing's walk as requests: the slice after a page, and where the list ends."""
        return SliceRequests(self.start_url, self.memory.walk, self.requests, self.crawler.stats, self.bans)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.crawl_context.road.first_requests(self):
            yield request

    def parse(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page, of any kind: a slice by its URL, else its markup tells which."""
        if parse_slice(response.url) is None and isinstance(response, TextResponse):
            page = ArticlePage(page_selector(response), response.url, self.start_url, self.crawl_context.aliases)
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
            yield from self.slices.no_teasers(response, page, asked)
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
            yield from self.slices.next_slice(response, page, asked, len(teasers))

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """An article: its record if the source is the crawl's and the road keeps it, then its "More From" teasers.

        Whichever way the page ends (:meth:`ArticleReader.read`), what became of
        it is told here, once: to the ledger, or to the gates' owner for a page
        behind the gate.
        """
        url = asked_url(response)
        page = self.requests.page(ArticlePage, response)
        verdict = self.reader.read(url, page, fetched_at(response), archive_capture(response))
        if verdict.gate is not None:
            self.gates.gate(url, verdict.gate)
            yield from filled(self.archive_reading, url, "gated", self)
        else:
            self.memory.ledger.tell(url, verdict.outcome, *verdict.also)
        if verdict.refusal:
            self.bans.refused(url, "unrecognized", verdict.refusal)
        item = verdict.item
        if item is None or page is None:
            return
        if self.since and item.posted and item.posted < self.since:
            self.crawler.stats.inc_value(stats.SKIPPED_BEFORE_SINCE)
            return
        if not self.crawl_context.road.keeps(url, item, self):
            return
        yield item
        if not self.crawl_context.road.follows_links:
            return
        related = self.requests.unknown(teaser.url for teaser in not_before(item.related, self.since))
        yield from self.requests.follow(related, self.parse_article)
        walk = self.memory.walk
        if walk.whole and not walk.asked:  # once slices are asked, the walk goes on by itself
            walk.observe(None, [teaser.url for teaser in item.related or []])
            yield from self.slices.next_slice(response, page, None, len(page.findings().value["related"].value or []))

    def road_page(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """A page of the road's own (a search's day, say), by the step its request names: the road reads it; an
        answer of the web archive (its index's, or a capture's): the look-ups read it."""
        if ARCHIVE_STEP in response.meta and self.archive_reading is not None:
            yield from self.archive_reading.page(response, self)
        else:
            yield from self.crawl_context.road.page(response.meta[ROAD_STEP], response, self)

    def on_error(self, failure: Failure) -> Iterable[scrapy.Request]:
        """A request that failed for good: log it, count it by kind, remember what to ask again (all of it
        when called, as for every failure); then what follows, for a page of the road's own.

        A page of the road's own counts as its step says (a listing page's, an
        article's, or the road's alone), and the road says what follows.
        """
        request = failed_request(failure)
        url = asked_url(request)
        kind = error_kind(failure)
        if ARCHIVE_STEP in request.meta and self.archive_reading is not None:  # the archive's failure, not the site's
            self._give_up(failure, url, kind, "own")
            return self.archive_reading.failed(request, kind, self)
        step, road = request.meta.get(ROAD_STEP), self.crawl_context.road
        # How its failure counts: as its road's step says, else by the page it asked for.
        counts: Counts = (
            road.steps[step] if step is not None else "article" if request.callback == self.parse_article else "listing"
        )
        if step is None and counts == "listing" and kind in GONE and self.slices.past_the_end(url, kind):
            return ()
        if kind == "gated" and counts == "article":
            self.gates.gate(url, "redirect to free-member-form")
        else:
            self._give_up(failure, url, kind, counts)
        if step is not None:
            return road.failed(step, url, kind, self)
        return filled(self.archive_reading, url, kind, self) if counts == "article" else ()

    def _give_up(self, failure: Failure, url: str, kind: str, counts: Counts) -> None:
        """Logged and counted; a listing page leaves the walk incomplete, an article is pending (or gone)."""
        self.crawler.stats.inc_value(stats.error(kind))
        level = logging.INFO if kind in GONE else logging.WARNING
        logger.log(level, "Giving up on %s: %s (%s)", failed_request(failure).url, kind, failure.getErrorMessage())
        response = http_response(failure)
        if counts == "listing":
            self.memory.walk.failed(url)
        elif counts == "article" and not (
            kind in GONE and response is not None and self.memory.withdrawn(url, response.status)
        ):
            self.memory.ledger.tell(url, "gone" if kind in GONE else "failed")  # a withdrawn one: kept in the corpus
        if kind in REFUSALS and counts != "own":  # a host of the road's own is not the site refusing the crawl
            self.bans.refused(url, cast(Refusal, kind), failure.getErrorMessage())
