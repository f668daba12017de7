"""The probe's spider: the ``vok`` spider's routing, cut down to a listing, its next slice, one article
and one day of the search road."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.failures import error_kind, failed_request, http_response
from vok_crawler.crawl.following import LinksElsewhere
from vok_crawler.crawl.memory import utc_now
from vok_crawler.crawl.probe.archived import ArchiveLookups, capture_of, lookup_of, site_url
from vok_crawler.crawl.probe.model import HostKind, Kind, PageSeen, Probe
from vok_crawler.crawl.probe.saving import PageSaver
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.finish_reasons import BOT_CHECK
from vok_crawler.items import Article
from vok_crawler.site import search
from vok_crawler.site.archive_index import WebArchive
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.pages.queries import CONTROLS
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.parsing import page_selector
from vok_crawler.site.problems import Problem
from vok_crawler.site.urls import is_on_site, site_host
from vok_crawler.store.secrets import Scrubber


class ProbeSpider(VokSpider):
    """The ``vok`` spider's routing, cut down to the listing, its next slice, one article and one search.

    It keeps a :class:`~vok_crawler.crawl.memory.CrawlMemory` without a corpus (it remembers nothing
    and writes nothing) and no extension of the crawl runs for it: only its
    :class:`Probe` and, with ``save``, the raw pages are written. The slice
    URL is built by the very code that builds it in a crawl.
    """

    name = "probe"
    keeps_a_corpus = False  # it looks at the pages: no corpus, memory of its own, health report or archive
    custom_settings = {"ITEM_PIPELINES": {}}  # noqa: RUF012  (Scrapy declares it an instance attribute)

    def __init__(
        self,
        probe: Probe,
        save: str | None = None,
        secrets: Iterable[str] = (),
        archive: WebArchive | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.probe = probe
        probe.start_url = self.start_url
        self.saver = PageSaver(Path(save), probe, Scrubber(secrets)) if save else None
        self.archive = archive
        probe.archive = archive.host if archive is not None else None
        self.lookups: ArchiveLookups | None = None  # with --archive, made at the start (it reads the crawl's context)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.probe.source = self.crawl_context.source
        if self.archive is not None:
            callbacks: dict[Kind, Callable[[Response], Any]] = {
                "listing": self.parse,
                "slice": self.parse_listing,
                "article": self.parse_article,
            }
            self.lookups = ArchiveLookups(
                self.archive, self.start_url, self.crawl_context.aliases, self.probe, callbacks, self.on_error
            )
        for request in self._ask("listing", self.requests.follow([self.start_url], self.parse)):
            yield request

    def _ask(self, kind: Kind, requests: Iterable[scrapy.Request]) -> Iterator[scrapy.Request]:
        """The routing's requests for pages of the site: as they are, or with ``--archive`` each a question to the
        archive's index for that page (whose newest capture is then read by the same callback)."""
        if self.lookups is None:
            yield from requests
            return
        for request in requests:
            yield self.lookups.ask(kind, request.url)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """The crawl's own reading of the page; of its requests, the first article and the next slice."""
        kind: Kind = "listing" if site_url(response) == self.start_url else "slice"
        requests = list(super().parse_listing(response))
        seen = self._seen(kind, response)
        seen.walk = self.memory.walk.remembered()
        if isinstance(response, TextResponse):
            page = SitePage(page_selector(response), response.url, self.start_url, self.crawl_context.aliases)
            self._read_site_page(seen, page)
            if kind == "listing":
                self.probe.source_shown = page.heading()
        if kind == "slice":
            return
        articles = [r for r in requests if r.callback == self.parse_article]
        slices = [r for r in requests if r.callback == self.parse_listing]
        if slices:
            seen.next_slice = slices[0].url
        yield from self._ask("article", articles[:1])
        yield from self._ask("slice", slices[:1])

    def parse_article(self, response: Response) -> Iterator[scrapy.Request]:
        """What the crawl would read on the article: every finding, the gate, the record; then its day's search."""
        seen = self._seen("article", response)
        if not isinstance(response, TextResponse):
            seen.error = f"not an HTML page ({(response.headers.get('Content-Type') or b'').decode('latin-1')})"
            return
        page = ArticlePage(page_selector(response), response.url, self.start_url, self.crawl_context.aliases)
        seen.gate, seen.is_article = nk_pro_gate(page), page.is_article()
        older = list(self.lookups.whole(response, page, seen)) if self.lookups is not None else []
        if older:
            yield from older
            return
        # The probe reports by its table, not the crawl's counters: the problems read with each value are left.
        seen.findings, seen.record = page.findings().value, page.to_item(crawled_at=utc_now()).value
        self._read_site_page(seen, page)
        self._note_other_source(seen.record)
        if self.saver is not None:
            self.saver.expected(seen)
        yield from self._search_for(seen.record)

    def parse_search_day(self, response: Response) -> Iterator[scrapy.Request]:
        """The search road for the article's day: its teasers, whether the article is among them, a full page."""
        seen = self._seen("search", response)
        if isinstance(response, TextResponse):
            page = SitePage(page_selector(response), response.url, self.start_url, self.crawl_context.aliases)
            seen.teasers = page.teasers().value
            seen.full = search.shows_full_page(page.root)
            if not search.is_search_page(page.root):
                seen.error = "no search results (div#search_wrapper) on the page"
        return iter(())

    def on_error(self, failure: Failure) -> Iterable[scrapy.Request]:
        """A request that failed for good: the gate's redirect, a refusal, robots.txt, ...; nothing follows, but
        for a capture the archive did not give (``--archive``): the next older one, as the archive road reads on."""
        seen = self._failed(failure)
        if self.lookups is None:
            return ()
        return self.lookups.older(failed_request(failure), f"not given ({error_kind(failure)})", seen)

    def _failed(self, failure: Failure) -> PageSeen:
        request = failed_request(failure)
        kind = error_kind(failure)
        which = self._kind_of(request, kind)
        seen = self.probe.pages.setdefault(which, PageSeen(which, site_url(request)))
        if kind == "gated":
            seen.gate = "redirect to free-member-form"
            return seen
        response = http_response(failure)
        seen.status = response.status if response is not None else None
        seen.error = "forbidden by robots.txt" if "robots.txt" in failure.getErrorMessage() else kind
        if kind == "bot_check":
            seen.error = f"a bot check answered instead of the page; {advice(BOT_CHECK)}"
        if response is not None and self.saver is not None:
            self.saver.response(which, response)
        return seen

    def _kind_of(self, request: scrapy.Request, error: str) -> Kind:
        lookup = lookup_of(request)
        if lookup is not None:
            return lookup.kind
        if error == "gated" or request.callback == self.parse_article:
            return "article"
        if request.callback == self.parse_search_day:
            return "search"
        return "listing" if asked_url(request) == self.start_url else "slice"

    def _search_for(self, record: Article) -> Iterator[scrapy.Request]:
        """One day of the search road: the article's published day (else its posting day), as the crawl asks it."""
        source_id, day = self.memory.walk.source_id, record.published or record.posted
        if self.lookups is not None:
            self.probe.notes.append("search road not tried: --archive reads captures, and the site's search is not one")
            return
        if source_id is None or day is None:
            self.probe.notes.append("search road not tried: no source id or no date for the article")
            return
        self.probe.search_day = day
        url = search.search_url(self.start_url, source_id, search.Period.of_day(day).first)
        yield from self.requests.follow([url], self.parse_search_day)

    def _read_site_page(self, seen: PageSeen, page: SitePage) -> None:
        """Teasers, the control (every href it has), the host names its links name, and those links off the site
        told to the crawl's own rule (:meth:`SiteRequests.elsewhere`: article links on another host, counted)."""
        seen.teasers = page.teasers().value  # its problems are left, as the article's are
        seen.control = page.more_articles().value
        unreported: list[Problem] = []  # no web link among the hrefs: the teasers' problems again
        seen.control_hrefs = [
            url for url in (page.link(c.get("href", ""), unreported) for c in CONTROLS(page.root)) if url
        ]
        if seen.control.source_id:
            self.memory.walk.learn(seen.control, len(seen.teasers))
        for href in page.root.xpath("//a/@href"):
            url = page.link(str(href), unreported)
            if url and urlsplit(url).netloc:
                self.probe.hosts[self._host(urlsplit(str(href)).netloc or urlsplit(url).netloc)] += 1
                if not is_on_site(url, self.start_url, self.crawl_context.aliases):
                    self.requests.elsewhere(url)  # the crawl's rule: counted if shaped like an article's

    def closed(self, reason: str) -> None:
        """The article links on another host, as the crawl counts them (here and in its own reading of teasers)."""
        self.probe.elsewhere = LinksElsewhere.from_counters(self.crawler.stats.get_stats(), self.crawl_context.aliases)

    def _host(self, netloc: str) -> tuple[str, HostKind]:
        host = site_host(netloc)
        if host == site_host(urlsplit(self.start_url).netloc):
            return host, "the crawl's"
        return host, "alias" if host in self.crawl_context.aliases else "other"

    def _note_other_source(self, record: Article) -> None:
        wanted = self.crawl_context.source
        if record.source and record.source != wanted:
            self.probe.notes.append(
                f"the article's source is {record.source!r}, not {wanted!r}: the crawl would skip it "
                f"(-a source={record.source!r} keeps it)"
            )

    def _seen(self, kind: Kind, response: Response) -> PageSeen:
        seen = self.probe.pages.setdefault(kind, PageSeen(kind, site_url(response)))
        seen.status, seen.error = response.status, None  # a capture the archive did not give, read from an older one
        seen.capture = capture_of(response)
        if self.saver is not None:
            self.saver.response(kind, response)
        return seen
