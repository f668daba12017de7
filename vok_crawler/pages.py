"""Page parsing: where each value sits in the site's markup.

Page objects in the manner of web-poet: built from a parsel ``Selector``,
the page's URL and the crawl's origin, so they are tested from saved HTML
alone. They pick raw values out of the markup and hand them to the loaders
(:mod:`vok_crawler.loaders`) and processors, which normalize them.

The queries are XPath compiled once and run on the lxml tree that Scrapy
has already parsed: a page is parsed once, and a teaser block costs a few
microseconds rather than a ``Selector`` per query.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from vok_crawler.items import Article, Teaser
from vok_crawler.loaders import ArticleLoader
from vok_crawler.processors import to_teaser
from vok_crawler.text import markup_text
from vok_crawler.urls import canonical_url

logger = logging.getLogger(__name__)

ARTICLE_MARKERS = "h1.article-title, div.article-content"  # CSS, for the spider's start page


def has_class(name: str) -> str:
    """XPath for a class among others, whatever white space separates them."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


Query = Callable[[Any], list]
TEASER_BLOCKS: Query = etree.XPath(f"//*[@id='latest_article_wrapper']//*[{has_class('article-desc')}]")
ANY_TEASER_BLOCKS: Query = etree.XPath(f"//*[{has_class('article-desc')}]")
MORE_ARTICLES_LINKS: Query = etree.XPath(
    f"//a[{has_class('more-articles')}]/@href | //a[contains(@href, 'action=get_cat_by_source')]/@href"
)
CANONICAL: Query = etree.XPath("//link[@rel='canonical']/@href")
TITLE: Query = etree.XPath(f"//h1[{has_class('article-title')}]")
HEADER_DATE: Query = etree.XPath(
    f"//p[{has_class('articled-date')}][not(ancestor::*[{has_class('article-desc')}])]"
)
META: Query = etree.XPath(f"//p[{has_class('article-meta')}]")
META_LINKS: Query = etree.XPath(f"//p[{has_class('article-meta')}]//a[@href]")
SOURCE_NAME: Query = etree.XPath(f"//a[{has_class('source-name')}]")
CONTENT: Query = etree.XPath(f"//div[{has_class('article-content')}]")
NOT_BODY: Query = etree.XPath(f".//div[{has_class('sharedaddy')}] | .//*[@id='jp-relatedposts']")
_META_PART = re.compile(r"\b(Date|Source)\s*:\s*([^|]*)")


def first_text(query: Query, element: HtmlElement) -> str | None:
    """Marked-up text of the first element ``query`` finds in ``element``, if any."""
    found = query(element)
    return markup_text(found[0]) if found else None


@dataclass
class SitePage:
    """Any page of the site: teasers and "More Articles" links are on every kind."""

    selector: Selector
    url: str
    origin: str
    stats: Any = None  # the crawl's StatsCollector, to count bad input

    @property
    def root(self) -> HtmlElement:
        return self.selector.root

    @property
    def context(self) -> dict[str, Any]:
        """What processors need to report bad input: the page and the stats."""
        return {"url": self.url, "crawl_stats": self.stats}

    def link(self, href: str) -> str | None:
        """``href`` made canonical; ``None`` (logged and counted) if it is no web link."""
        url = canonical_url(href, self.url, self.origin)
        if url is None and href.strip():
            logger.info("Ignoring %s link %r on %s", href.strip().split(":", 1)[0] + ":", href, self.url)
            if self.stats is not None:
                self.stats.inc_value("vok/links/not_web")
        return url

    def more_articles_urls(self) -> list[str]:
        urls = (self.link(href) for href in MORE_ARTICLES_LINKS(self.root))
        return list(dict.fromkeys(url for url in urls if url))

    def teasers(self) -> list[Teaser]:
        """Every teaser block in page order, duplicates included, normalized."""
        return [to_teaser(raw, self.context) for raw in self.raw_teasers()]

    def raw_teasers(self) -> list[dict[str, Any]]:
        """Each ``.article-desc`` block's link and its copies of title, date and teaser.

        A listing wraps the blocks in ``#latest_article_wrapper``; a "More
        Articles" slice is a bare fragment of blocks. Which copy is kept is
        the processor's choice (:func:`vok_crawler.processors.to_teaser`).
        """
        blocks = TEASER_BLOCKS(self.root) or ANY_TEASER_BLOCKS(self.root)
        return [self._raw_teaser(block) for block in blocks]

    def _raw_teaser(self, block: HtmlElement) -> dict[str, Any]:
        """One walk over the block's elements (a dozen), instead of a query per value."""
        h4 = date = image_title = None
        hrefs: dict[str, str] = {}
        texts: dict[str, HtmlElement] = {}
        for element in block.iter("h4", "a", "img", "p", "div"):
            classes = f" {' '.join(element.get('class', '').split())} "
            if element.tag == "a" and element.get("href"):
                hrefs.setdefault("any", element.get("href"))
                if " thumb " in classes:
                    hrefs.setdefault("thumb", element.get("href"))
            elif element.tag == "h4" and h4 is None:
                h4 = element
                link = element.find(".//a[@href]")
                if link is not None:
                    hrefs["h4"] = link.get("href")
            elif element.tag == "img" and image_title is None:
                image_title = element.get("alt")
            elif element.tag == "p" and " articled-date " in classes and date is None:
                date = element
            elif element.tag == "p" and " excerpt " in classes:
                texts.setdefault("excerpt", element)
            elif element.tag == "div" and " hover-excerpt " in classes:
                texts.setdefault("hover", element)
        href = hrefs.get("h4") or hrefs.get("thumb") or hrefs.get("any")
        return {
            "url": self.link(href) if href else None,
            "titles": [markup_text(h4) if h4 is not None else None, image_title],
            "date": markup_text(date) if date is not None else None,
            "teasers": [markup_text(texts[key]) for key in ("excerpt", "hover") if key in texts],
        }


@dataclass
class ArticlePage(SitePage):
    """An article: header, meta line, body, and its "More From ..." teasers."""

    def to_item(self, crawled_at: str) -> Article:
        """The record; ``url`` is ``link[rel=canonical]`` if present, else the page's own."""
        own = self.link(self.url)
        canonical = CANONICAL(self.root)
        url = (self.link(canonical[0]) if canonical else None) or own
        loader = ArticleLoader(**self.context, self_urls={url, own})
        loader.add_value("url", url)
        loader.add_value("title", first_text(TITLE, self.root))
        meta = dict(_META_PART.findall(first_text(META, self.root) or ""))
        loader.add_value("published", meta.get("Date"))
        loader.add_value("posted", first_text(HEADER_DATE, self.root))
        loader.add_value("source", meta.get("Source"))
        loader.add_value("source", first_text(SOURCE_NAME, self.root))
        loader.add_value("source_url", self._source_url())
        loader.add_value("body", self._body())
        loader.add_value("related", self.raw_teasers())
        loader.add_value("crawled_at", crawled_at)
        return loader.load_item()

    def _source_url(self) -> str | None:
        """The "Read original version at source" link of the meta line."""
        links = META_LINKS(self.root)
        originals = [a for a in links if "original" in a.text_content().lower()]
        for anchor in originals or links:
            return self.link(anchor.get("href"))
        return None

    def _body(self) -> str | None:
        content = CONTENT(self.root)
        if not content:
            return None
        return markup_text(content[0], set(NOT_BODY(content[0])))
