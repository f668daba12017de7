"""Where each value sits in the site's markup: the XPath catalogue of the page objects, compiled once.

The queries run on the lxml tree that Scrapy has already parsed (one parse
a page, :mod:`vok_crawler.site.parsing`), so a teaser block costs a few
microseconds rather than a ``Selector`` per query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from vok_crawler.site.text import markup_text


def has_class(name: str) -> str:
    """XPath for a class among others, whatever white space separates them.

    The plain ``contains`` first: most elements fail it without the string
    the second test builds, which made each page-wide query cost 0.15 ms.
    """
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


Query = Callable[..., Any]  # a compiled etree.XPath: element in, list of matches out
NOT_IN_TEASER = f"not(ancestor-or-self::*[{has_class('article-desc')}])"
# The queries run on every page say "/descendant::" where "//" would do: libxml2 reads "//x" as a step
# over every node (text included) and then its children, a third slower; "[@id]" first, for the same reason.
TEASER_BLOCKS: Query = etree.XPath(
    "/descendant::*[@id][@id='latest_article_wrapper' or @id='search_wrapper']"
    f"/descendant::*[{has_class('article-desc')}]"
)
ANY_TEASER_BLOCKS: Query = etree.XPath(f"/descendant::*[{has_class('article-desc')}]")
CONTROL_CLASSES = ("more-articles", "load-more", "more-full-link")
CONTROLS: Query = etree.XPath(
    f"//*[self::a or self::button][{' or '.join(has_class(name) for name in CONTROL_CLASSES)}][{NOT_IN_TEASER}]"
)
SLICE_HREFS: Query = etree.XPath("//a[contains(@href, 'action=get_cat_by_source')]/@href")
INLINE_SCRIPTS: Query = etree.XPath("//script[not(@src)]/text()")
CANONICAL: Query = etree.XPath("//link[@rel='canonical']/@href")
OG_URL: Query = etree.XPath("//meta[@property='og:url']/@content")
OG_TITLE: Query = etree.XPath("//meta[@property='og:title']/@content")
HTML_TITLE: Query = etree.XPath("//head/title")
TITLE: Query = etree.XPath(f"//h1[{has_class('article-title')}]")
META: Query = etree.XPath(f"//p[{has_class('article-meta')}]")
META_LINKS: Query = etree.XPath(f"//p[{has_class('article-meta')}]//a[@href]")
# The meta line by its words, wherever the markup puts it: the innermost element that says "Date:".
META_BY_WORDS: Query = etree.XPath(
    f"//body//*[contains(., 'Date:')][not(*[contains(., 'Date:')])][{NOT_IN_TEASER}]"
    f"[not(ancestor::*[{has_class('article-content')}])]"
)
ORIGINAL_LINKS: Query = etree.XPath(
    f"//a[contains(translate(., 'ORIGINAL', 'original'), 'original version')][{NOT_IN_TEASER}]/@href"
)
SOURCE_NAME: Query = etree.XPath(f"//a[{has_class('source-name')}]")
# What a page says it is: its first heading outside the navigation and the teasers (a listing's names its source).
HEADING: Query = etree.XPath(f"(//h1[not(ancestor::nav or ancestor::header)][{NOT_IN_TEASER}])[1]")
# The header's link to the source's listing (/article/N/), whatever its class: in the h1's own box, not the navigation.
SOURCE_LINK_BY_TITLE: Query = etree.XPath(
    f"//h1[1]/..//a[contains(@href, '/article/')][not(ancestor::nav)][{NOT_IN_TEASER}]"
)
CONTENT: Query = etree.XPath(f"/descendant::div[{has_class('article-content')}]")
NOT_BODY: Query = etree.XPath(f".//div[{has_class('sharedaddy')}] | .//*[@id='jp-relatedposts']")
# Where a gate would stand: the content and what follows it in its parent, never a teaser.
AFTER_CONTENT: Query = etree.XPath(f"following-sibling::*[{NOT_IN_TEASER}]")
# The gate's words, in any case, anywhere in an element's text: a cheap test before the text is built.
SAYS_UPGRADE: Query = etree.XPath("contains(translate(string(.), 'UPGRADE', 'upgrade'), 'upgrade')")
PAYWALL: Query = etree.XPath(
    f".//descendant-or-self::*[{has_class('nk-paywall-free-member-form')} or {has_class('free-member-form-inner')}]"
)
ARTICLE_MARKERS: Query = etree.XPath(
    f"/descendant::h1[{has_class('article-title')}] | /descendant::div[{has_class('article-content')}]"
    f" | /descendant::p[{has_class('article-meta')}]"
)


# The parts of a teaser block, each found by one query from the block (the block itself included).
BLOCK_H4: Query = etree.XPath("(descendant-or-self::h4)[1]")
HEADING_LINK: Query = etree.XPath("(.//a[@href])[1]")
BLOCK_LINKS: Query = etree.XPath("descendant-or-self::a[@href != '']")
BLOCK_IMAGES: Query = etree.XPath("descendant-or-self::img[@alt != '']")
# The parts of a block known by their class, in one query: the date and the teaser text's two copies.
BLOCK_CLASSED: Query = etree.XPath(
    f"(descendant-or-self::p[{has_class('articled-date')}])[1]"
    f" | (descendant-or-self::p[{has_class('excerpt')}])[1]"
    f" | (descendant-or-self::div[{has_class('hover-excerpt')}])[1]"
)
# A p or div holding no other, outside any link or heading (where the title and its copies sit).
BLOCK_TEXT_LEAVES: Query = etree.XPath(
    "descendant-or-self::*[self::p or self::div][not(.//p or .//div or .//h4)][not(ancestor::a or ancestor::h4)]"
)
# A call to subscribe in a teaser ("Upgrade to NK PRO today"): a link to NK Pro's subscription, never teaser text.
SUBSCRIBE_LINKS: Query = etree.XPath(".//a[contains(@href, '/pro/subscribe')]")
HOLDS_A_BLOCK: Query = etree.XPath(f"boolean(descendant-or-self::*[{has_class('article-desc')}])")
THUMBNAIL_PARTS: Query = etree.XPath("descendant-or-self::a | descendant-or-self::img")


def first_text(query: Query, element: HtmlElement) -> str | None:
    """Marked-up text of the first element ``query`` finds in ``element``, if any."""
    found = query(element)
    return markup_text(found[0]) if found else None


def first_value(query: Query, element: HtmlElement) -> str | None:
    """The first attribute value ``query`` finds, if it has any text."""
    return next((value for value in query(element) if value.strip()), None)
