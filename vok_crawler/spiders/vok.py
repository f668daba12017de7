"""The ``vok`` spider: routing only.

It follows the listing's teasers, every "More Articles" slice and the
"More From ..." teasers of article pages, on the start URL's own site and
nothing else. What a page holds is read by :mod:`vok_crawler.pages`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from vok_crawler.items import Article
from vok_crawler.pages import ARTICLE_MARKERS, ArticlePage, SitePage
from vok_crawler.urls import canonical_url, is_on_site

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://kcnawatch.org/article/163/"


def utc_now() -> str:
    """ISO 8601 in UTC, to the second, with its zone (``...Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class VokSpider(scrapy.Spider):
    """Voice of Korea (EN) on KCNA Watch.

    ``-a start_url=URL``: a source listing (default, the live one), a
    "More Articles" slice or an article page. Unknown ``-a`` arguments (as
    Scrapyd passes) are accepted and kept as attributes.
    """

    name = "vok"

    def __init__(self, start_url: str = DEFAULT_START_URL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = canonical_url(start_url, start_url, start_url)
        if self.start_url is None:
            raise ValueError(f"start_url must be an http(s) URL, not {start_url!r}")
        self.allowed_domains = [urlsplit(self.start_url).hostname]
        self._requested: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._follow([self.start_url], self.parse):
            yield request

    def parse(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """The start page, of any kind: its markup tells which."""
        if isinstance(response, TextResponse) and response.css(ARTICLE_MARKERS):
            return self.parse_article(response)
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """A source listing or a "More Articles" slice: teasers, then the next slices."""
        page = self._page(SitePage, response)
        if page is None:
            return
        yield from self._follow((teaser.url for teaser in page.teasers()), self.parse_article)
        yield from self._follow(page.more_articles_urls(), self.parse_listing)

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        """An article: its record if the source is ours, then its "More From" teasers."""
        page = self._page(ArticlePage, response)
        if page is None:
            return
        item = page.to_item(crawled_at=utc_now())
        self._requested.add(item.url)  # its canonical spelling may be linked too
        wanted = self.settings.get("VOK_SOURCE")
        if item.source != wanted:
            logger.info("Skipping %s: source is %r, not %r", response.url, item.source, wanted)
            self.crawler.stats.inc_value("vok/skipped/other_source")
            return
        yield item
        yield from self._follow((teaser.url for teaser in item.related), self.parse_article)
        yield from self._follow(page.more_articles_urls(), self.parse_listing)

    def _page(self, page_class: type[SitePage], response: Response) -> SitePage | None:
        if not response.body:  # a slice past the end of the list
            return None
        if not isinstance(response, TextResponse):
            logger.warning("Skipping %s: not an HTML page (%s)", response.url, response.headers.get("Content-Type"))
            self.crawler.stats.inc_value("vok/skipped/not_html")
            return None
        return page_class(response.selector, response.url, self.start_url, self.crawler.stats)

    def _follow(self, urls: Iterable[str | None], callback: Callable[[Response], Any]) -> Iterator[scrapy.Request]:
        """Requests for the canonical site URLs not requested before.

        Checking here, before a ``Request`` is built, spares the dupefilter and
        the scheduler the site's many repeated links.
        """
        for url in urls:
            if url and url not in self._requested and is_on_site(url, self.start_url):
                self._requested.add(url)
                yield scrapy.Request(url, callback=callback)
