"""HTML parsed whole: the one place a page's markup becomes a tree.

Scrapy's ``response.selector`` parses with lxml, and libxml2 stops at a
depth limit (256 levels, 2,048 with ``huge_tree``): past it, it drops the
rest of the page without a word, so an article nested deeper would read as
an empty body. Here a page is parsed by lxml with ``huge_tree`` (as fast as
ever); when libxml2 says it hit one of its limits, the page is parsed again
by html5lib, the WHATWG parser in pure Python, which has none, into an lxml
tree the same XPath queries read. Deep pages are rare and cost a second or
so; every other page costs one lxml parse, cached per response.
"""

from __future__ import annotations

import logging
from typing import Protocol
from weakref import WeakKeyDictionary

import html5lib
from lxml import etree
from lxml.html import HTMLParser
from parsel import Selector

logger = logging.getLogger(__name__)


class Page(Protocol):
    """A fetched page as the parser needs it (Scrapy's ``TextResponse`` is one): its URL and its decoded text."""

    @property
    def url(self) -> str: ...

    @property
    def text(self) -> str: ...


# parsel's own settings for HTML, with libxml2's higher limits.
_LXML = HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
_SELECTORS: WeakKeyDictionary[Page, Selector] = WeakKeyDictionary()


def hit_a_limit(parser: etree._BaseParser) -> bool:
    """Whether libxml2's last parse with ``parser`` stopped at one of its limits (depth, size)."""
    return any(error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in parser.error_log)


def html_selector(text: str, url: str = "") -> Selector:
    """``text`` as a selector over its whole tree, however deep (see the module's docstring)."""
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=_LXML, base_url=url) if url else etree.fromstring(body, parser=_LXML)
    if hit_a_limit(_LXML):
        logger.info("%s is deeper than lxml reads: parsed by html5lib instead", url or "a page")
        root = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False).getroot()
    if root is None:
        root = etree.fromstring(b"<html/>", parser=_LXML)
    return Selector(root=root, type="html")


def page_selector(response: Page) -> Selector:
    """The response's page, parsed once however many page objects read it (and the bot check before them)."""
    selector = _SELECTORS.get(response)
    if selector is None:
        selector = _SELECTORS[response] = html_selector(response.text, response.url)
    return selector
