"""Page parsing: where each value sits in the site's markup.

Page objects in the manner of web-poet: built from a parsel ``Selector``,
the page's URL and the crawl's origin, so they are tested from saved HTML
alone. They pick raw values out of the markup and hand them to the loaders
(:mod:`vok_crawler.loaders`), which normalize them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from vok_crawler.items import Article, Teaser
from vok_crawler.loaders import ArticleLoader, TeaserLoader
from vok_crawler.text import markup_text
from vok_crawler.urls import canonical_url

ARTICLE_MARKERS = "h1.article-title, div.article-content"
logger = logging.getLogger(__name__)

TEASER_BLOCKS = "#latest_article_wrapper .article-desc"
MORE_ARTICLES_LINKS = "a.more-articles::attr(href), a[href*='action=get_cat_by_source']::attr(href)"
HEADER_DATE = "//p[contains(@class, 'articled-date')][not(ancestor::*[contains(@class, 'article-desc')])]"
NOT_BODY = "div.sharedaddy, #jp-relatedposts"
_META_PART = re.compile(r"\b(Date|Source)\s*:\s*([^|]*)")


def first_text(selector: Selector, query: str) -> str | None:
    """Marked-up text of the first element ``query`` selects, if any."""
    found = selector.css(query)
    return markup_text(found[0].root) if found else None


@dataclass
class SitePage:
    """Any page of the site: teasers and "More Articles" links are on every kind."""

    selector: Selector
    url: str
    origin: str
    stats: Any = None  # the crawl's StatsCollector, to count bad input

    def link(self, href: str) -> str | None:
        """``href`` made canonical; ``None`` (logged and counted) if it is no web link."""
        url = canonical_url(href, self.url, self.origin)
        if url is None and href.strip():
            logger.info("Ignoring %s link %r on %s", href.strip().split(":", 1)[0] + ":", href, self.url)
            if self.stats is not None:
                self.stats.inc_value("vok/links/not_web")
        return url

    def more_articles_urls(self) -> list[str]:
        urls = (self.link(href) for href in self.selector.css(MORE_ARTICLES_LINKS).getall())
        return list(dict.fromkeys(url for url in urls if url))

    def teasers(self) -> list[Teaser]:
        """Every teaser block in page order, duplicates included.

        A listing wraps them in ``#latest_article_wrapper``; a "More Articles"
        slice is a bare fragment of blocks.
        """
        blocks = self.selector.css(TEASER_BLOCKS) or self.selector.css(".article-desc")
        return [self._teaser(block) for block in blocks]

    def _teaser(self, block: Selector) -> Teaser:
        loader = TeaserLoader(url=self.url, crawl_stats=self.stats)
        href = block.css("h4 a::attr(href), a.thumb::attr(href), a::attr(href)").get()
        loader.add_value("url", self.link(href) if href else None)
        loader.add_value("title", first_text(block, "h4"))
        loader.add_value("title", block.css("img::attr(alt)").get())
        loader.add_value("date", first_text(block, "p.articled-date"))
        loader.add_value("teaser", first_text(block, "p.excerpt"))
        loader.add_value("teaser", first_text(block, "div.hover-excerpt"))
        return loader.load_item()


@dataclass
class ArticlePage(SitePage):
    """An article: header, meta line, body, and its "More From ..." teasers."""

    def to_item(self, crawled_at: str) -> Article:
        """The record; ``url`` is ``link[rel=canonical]`` if present, else the page's own."""
        own = self.link(self.url)
        href = self.selector.css("link[rel='canonical']::attr(href)").get()
        url = (self.link(href) if href else None) or own
        loader = ArticleLoader(url=self.url, crawl_stats=self.stats, self_urls={url, own})
        loader.add_value("url", url)
        loader.add_value("title", first_text(self.selector, "h1.article-title"))
        meta = dict(_META_PART.findall(first_text(self.selector, "p.article-meta") or ""))
        loader.add_value("published", meta.get("Date"))
        loader.add_value("posted", self._header_date())
        loader.add_value("source", meta.get("Source"))
        loader.add_value("source", first_text(self.selector, "a.source-name"))
        loader.add_value("source_url", self._source_url())
        loader.add_value("body", self._body())
        loader.add_value("related", self.teasers())
        loader.add_value("crawled_at", crawled_at)
        return loader.load_item()

    def _header_date(self) -> str | None:
        found = self.selector.xpath(HEADER_DATE)
        return markup_text(found[0].root) if found else None

    def _source_url(self) -> str | None:
        """The "Read original version at source" link of the meta line."""
        links = self.selector.css("p.article-meta a[href]")
        originals = [a for a in links if "original" in a.xpath("string()").get().lower()]
        for anchor in originals or links:
            return self.link(anchor.attrib["href"])
        return None

    def _body(self) -> str | None:
        content = self.selector.css("div.article-content")
        if not content:
            return None
        skip = {widget.root for widget in content[0].css(NOT_BODY)}
        return markup_text(content[0].root, skip)
