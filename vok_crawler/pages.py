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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from vok_crawler import stats
from vok_crawler.items import Article, Teaser
from vok_crawler.loaders import ArticleLoader
from vok_crawler.problems import Problem
from vok_crawler.processors import normalize_space, posted_date, to_teaser
from vok_crawler.slices import Control, parse_slice, slice_size
from vok_crawler.text import markup_text
from vok_crawler.urls import canonical_url


def has_class(name: str) -> str:
    """XPath for a class among others, whatever white space separates them."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


Query = Callable[..., Any]  # a compiled etree.XPath: element in, list of matches out
NOT_IN_TEASER = f"not(ancestor-or-self::*[{has_class('article-desc')}])"
TEASER_BLOCKS: Query = etree.XPath(f"//*[@id='latest_article_wrapper']//*[{has_class('article-desc')}]")
ANY_TEASER_BLOCKS: Query = etree.XPath(f"//*[{has_class('article-desc')}]")
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
CONTENT: Query = etree.XPath(f"//div[{has_class('article-content')}]")
NOT_BODY: Query = etree.XPath(f".//div[{has_class('sharedaddy')}] | .//*[@id='jp-relatedposts']")
# Where a gate would stand: the content and what follows it in its parent, never a teaser.
GATE_REGION: Query = etree.XPath(
    f"//div[{has_class('article-content')}] | //div[{has_class('article-content')}]/following-sibling::*[{NOT_IN_TEASER}]"
)
PAYWALL: Query = etree.XPath(
    f".//descendant-or-self::*[{has_class('nk-paywall-free-member-form')} or {has_class('free-member-form-inner')}]"
)
ARTICLE_MARKERS: Query = etree.XPath(
    f"//h1[{has_class('article-title')}] | //div[{has_class('article-content')}] | //p[{has_class('article-meta')}]"
)
_META_PART = re.compile(r"\b(Date|Source)\s*:\s*([^|]*)")
# A slice URL in an inline script (JSON-escaped or not) or its parameters: the id after the action.
_SCRIPT_SLICE_ID = re.compile(r"get_cat_by_source.{0,300}?\bid[\"']?\s*[=:]\s*[\"']?(\d+)", re.DOTALL)
_SITE_SUFFIX = re.compile(r"\s*[|–-]\s*KCNA Watch\s*$")
UPGRADE_WORDS = "upgrade to nk pro"
FREE_MEMBER_FORM = "free-member-form"
CUT_SHORT_ENDINGS = ("…", "...", "[…]", "[...]")


def first_text(query: Query, element: HtmlElement) -> str | None:
    """Marked-up text of the first element ``query`` finds in ``element``, if any."""
    found = query(element)
    return markup_text(found[0]) if found else None


def first_value(query: Query, element: HtmlElement) -> str | None:
    """The first attribute value ``query`` finds, if it has any text."""
    return next((value for value in query(element) if value.strip()), None)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@dataclass(frozen=True)
class Finding:
    """How one field of an article was found: by which rule (``None``: by none), and its raw value.

    ``fallback`` is true when a rule other than the anatomy's own place found it.
    """

    rule: str | None
    value: Any = None
    fallback: bool = False


@dataclass
class SitePage:
    """Any page of the site: teasers and the "More Articles" control are on every kind.

    Problems found while reading (a link that is no web link, a date that
    does not exist) are appended to :attr:`problems`, for the spider to report.
    """

    selector: Selector
    url: str
    origin: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def root(self) -> HtmlElement:
        return self.selector.root

    @property
    def context(self) -> dict[str, Any]:
        """What processors need to report bad input: the page and the problems list."""
        return {"url": self.url, "problems": self.problems}

    def link(self, href: str) -> str | None:
        """``href`` made canonical; ``None`` (and a problem) if it is no web link."""
        url = canonical_url(href, self.url, self.origin)
        if url is None and href.strip() and not href.strip().startswith("#"):
            scheme = href.strip().split(":", 1)[0] + ":"
            self.problems.append(Problem(stats.LINKS_NOT_WEB, f"Ignoring {scheme} link {href!r} on {self.url}", 20))
        return url

    def more_articles(self) -> Control:
        """The way to the next slice: the control's link, its data attributes, or an id in the page."""
        controls = CONTROLS(self.root)
        here = self.link(self.url)  # an href that is the page itself (``#``, or a slice's own URL) is no way on
        links = [self.link(control.get("href", "")) for control in controls]
        hrefs = [url for url in links if url and url != here and parse_slice(url)]
        data = next((c for c in controls if c.get("data-id") or c.get("data-from")), None)
        start = _int(data.get("data-from")) if data is not None else None
        size = slice_size(start, _int(data.get("data-to"))) if data is not None else None
        if hrefs:
            found = parse_slice(hrefs[0])
            return Control(
                href=hrefs[0], source_id=found.source_id if found else None, start=start, size=size, route="href"
            )
        if data is not None and (data.get("data-id") or "").strip().isdigit():
            return Control(source_id=data.get("data-id").strip(), start=start, size=size, route="data")
        found_id = self._slice_id_elsewhere()
        return Control(source_id=found_id, start=start, size=size, route="script" if found_id else "none")

    def _slice_id_elsewhere(self) -> str | None:
        """The source id of a slice URL in any link or inline script of the page."""
        for href in SLICE_HREFS(self.root):
            found = parse_slice(canonical_url(href, self.url, self.origin) or "")
            if found:
                return found.source_id
        for script in INLINE_SCRIPTS(self.root):
            match = _SCRIPT_SLICE_ID.search(script.replace("\\/", "/").replace("&amp;", "&"))
            if match:
                return match[1]
        return None

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
    """An article: header, meta line, body, and its "More From ..." teasers.

    Each field is found by the first of its rules that finds a value
    (:meth:`findings`): the anatomy's place first, then a cheap second road
    where one exists (the title from ``og:title`` or ``<title>``, the URL
    from ``og:url``), so a change of markup costs a fallback, not a field,
    and the crawl can say which rule found what.
    """

    def __post_init__(self) -> None:
        self._findings: dict[str, Finding] | None = None

    def findings(self) -> dict[str, Finding]:
        """Every field's rule and raw value (computed once)."""
        if self._findings is None:
            meta = dict(_META_PART.findall(first_text(META, self.root) or ""))
            url = _first(
                ("link[rel=canonical]", lambda: self._link_of(CANONICAL)),
                ("og:url", lambda: self._link_of(OG_URL)),
                ("page URL", lambda: self.link(self.url)),
            )
            self._findings = {
                "url": url,
                "title": _first(
                    ("h1.article-title", lambda: first_text(TITLE, self.root)),
                    ("og:title", lambda: first_value(OG_TITLE, self.root)),
                    ("<title>", lambda: _SITE_SUFFIX.sub("", first_text(HTML_TITLE, self.root) or "")),
                ),
                "published": _first(
                    ("p.article-meta Date:", lambda: meta.get("Date")),
                    ("'Date:' line", lambda: self._worded_meta.get("Date")),
                ),
                "posted": _first(("URL epoch", lambda: url.value if url.value and posted_date(url.value) else None)),
                "source": _first(
                    ("p.article-meta Source:", lambda: meta.get("Source")),
                    ("a.source-name", lambda: first_text(SOURCE_NAME, self.root)),
                    ("'Source:' line", lambda: self._worded_meta.get("Source")),
                ),
                "source_url": _first(
                    ("p.article-meta link", self._source_url),
                    ("'original version' link", lambda: self._link_of(ORIGINAL_LINKS)),
                ),
                "body": _first(("div.article-content", self._body)),
                "related": _first(("teaser blocks", lambda: self.raw_teasers() or None)),
            }
        return self._findings

    def to_item(self, crawled_at: str) -> Article:
        """The record: the raw values found, normalized by the loader."""
        found = {name: finding.value for name, finding in self.findings().items()}
        own = self.link(self.url)
        loader = ArticleLoader(**self.context, self_urls={found["url"], own})
        for name in ("url", "title", "published", "source", "source_url", "body", "related"):
            loader.add_value(name, found[name])
        loader.add_value("posted", found["url"])
        loader.add_value("posted_at", found["url"])
        loader.add_value("crawled_at", crawled_at)
        self._report_findings()
        return cast(Article, loader.load_item())

    def _report_findings(self) -> None:
        """Fields found by no rule, or only by a fallback, as problems: the crawl says what it missed."""
        for name, finding in self.findings().items():
            if finding.rule is None and name != "related":
                self.problems.append(Problem(stats.field_missing(name), f"No {name} found on {self.url}", logging.INFO))
            elif finding.fallback:
                message = f"The {name} of {self.url} was found by its fallback rule {finding.rule}"
                self.problems.append(Problem(stats.field_fallback(name, finding.rule or ""), message, logging.DEBUG))

    def gate(self) -> str | None:
        """The trace of the NK Pro gate this page shows instead of the article, if any.

        Only where the article would stand is looked at (the content and
        what follows it, teasers left out): the same words end some teasers,
        and the sidebar advertises NK Pro on every page.
        """
        if FREE_MEMBER_FORM in self.url:
            return "free-member-form URL"
        region = GATE_REGION(self.root)
        if any(PAYWALL(element) for element in region):
            return "paywall markup"
        for element in region:
            text = markup_text(element, set(ANY_TEASER_BLOCKS(element)))
            if UPGRADE_WORDS in normalize_space(text).lower():
                return "Upgrade to NK PRO"
        body = self.findings()["body"].value
        if body and normalize_space(body).endswith(CUT_SHORT_ENDINGS):
            return "body cut short"
        return None

    def not_understood(self) -> str | None:
        """Why an article page cannot be read, if it cannot: its body element or its title found by no rule.

        A body element that holds no text (a photo-only article) is read, as
        an empty body; a page without one gives no record, to be read again
        once the rules are fixed.
        """
        missing = [
            what
            for what, found in (("body element", bool(CONTENT(self.root))), ("title", self.findings()["title"].rule))
            if not found
        ]
        return f"no {' and no '.join(missing)} found by any rule" if missing else None

    def is_article(self) -> bool:
        """Whether the page has the article's own markup (not only a fallback's)."""
        return bool(ARTICLE_MARKERS(self.root))

    @cached_property
    def _worded_meta(self) -> dict[str, str]:
        """The meta line found by its words: a slower search, made only when its class is gone."""
        return dict(_META_PART.findall(first_text(META_BY_WORDS, self.root) or ""))

    def _link_of(self, query: Query) -> str | None:
        href = first_value(query, self.root)
        return self.link(href) if href else None

    def _source_url(self) -> str | None:
        """The "Read original version at source" link of the meta line."""
        links = META_LINKS(self.root)
        originals = [a for a in links if "original" in markup_text(a).lower()]
        for anchor in originals or links:
            return self.link(anchor.get("href"))
        return None

    def _body(self) -> str | None:
        content = CONTENT(self.root)
        if not content:
            return None
        return markup_text(content[0], set(NOT_BODY(content[0]))) or None


def _first(*rules: tuple[str, Callable[[], Any]]) -> Finding:
    """The first rule whose value has text; ``Finding(None)`` when none has."""
    for number, (name, rule) in enumerate(rules):
        value = rule()
        if value and (not isinstance(value, str) or value.strip()):
            return Finding(name, value, fallback=number > 0)
    return Finding(None)
