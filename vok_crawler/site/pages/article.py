"""An article page: its record's fields, each declared once with its rules in order, and its meta line.

Each field is found by the first of its rules that finds a value: the
anatomy's place first, then a cheap second road where one exists (the title
from ``og:title`` or ``<title>``, the URL from ``og:url``), so a change of
markup costs a fallback, not a field, and the crawl can say which rule found
what (:mod:`vok_crawler.site.pages.fields`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import cast

from lxml.html import HtmlElement

from vok_crawler.items import ArchiveCapture, Article
from vok_crawler.site.loaders import ArticleLoader
from vok_crawler.site.pages.fields import DeclaresFields, Finding, findings_problems, first, page_field
from vok_crawler.site.pages.queries import (
    ARTICLE_MARKERS,
    CANONICAL,
    CONTENT,
    HTML_TITLE,
    META,
    META_BY_WORDS,
    META_LINKS,
    NOT_BODY,
    OG_TITLE,
    OG_URL,
    ORIGINAL_LINKS,
    SOURCE_LINK_BY_TITLE,
    SOURCE_NAME,
    TITLE,
    Query,
    first_text,
    first_value,
)
from vok_crawler.site.pages.site_page import SitePage, web_link
from vok_crawler.site.problems import Problem, Read
from vok_crawler.site.processors import url_epoch
from vok_crawler.site.text import markup_text

_META_PART = re.compile(r"\b(Date|Source)\s*:\s*([^|]*)")
_SITE_SUFFIX = re.compile(r"\s*[|–-]\s*KCNA Watch\s*$")


@dataclass
class ArticlePage(SitePage, DeclaresFields):
    """An article: header, meta line, body, and its "More From ..." teasers.

    Each field is found by the first of its rules that finds a value
    (:meth:`findings`): the anatomy's place first, then a cheap second road
    where one exists (the title from ``og:title`` or ``<title>``, the URL
    from ``og:url``), so a change of markup costs a fallback, not a field,
    and the crawl can say which rule found what.
    """

    _findings: Read[dict[str, Finding]] | None = field(default=None, init=False, repr=False, compare=False)
    # The problems found while finding the fields: read once, they come back with the findings.
    _noted: list[Problem] = field(default_factory=list, init=False, repr=False, compare=False)

    def findings(self) -> Read[dict[str, Finding]]:
        """Every declared field's rule and raw value, in the record's order (computed once)."""
        if self._findings is None:
            found = self.find_fields()
            self._findings = Read(found, tuple(self._noted))
        return self._findings

    # The record's fields, each declared once with its rules in order of preference (DeclaresFields).

    @page_field("url")
    def _url(self) -> Finding:
        return self._canonical

    @cached_property
    def _canonical(self) -> Finding:
        """The article's URL, read once: ``posted`` is read from it too."""
        return first(
            ("link[rel=canonical]", lambda: self._meta.link_of(CANONICAL)),
            ("og:url", lambda: self._meta.link_of(OG_URL)),
            ("page URL", lambda: self.link(self.url, self._noted)),
        )

    @page_field("title", covered=True)
    def _title(self) -> Finding:
        return first(
            ("h1.article-title", lambda: first_text(TITLE, self.root)),
            ("og:title", lambda: first_value(OG_TITLE, self.root)),
            ("<title>", lambda: _SITE_SUFFIX.sub("", first_text(HTML_TITLE, self.root) or "")),
        )

    @page_field("published", covered=True)
    def _published(self) -> Finding:
        return first(
            ("p.article-meta Date:", lambda: self._meta.by_class.get("Date")),
            ("'Date:' line", lambda: self._meta.by_words.get("Date")),
        )

    @page_field("posted", also=("posted_at",), covered=True)
    def _posted(self) -> Finding:
        """The canonical URL, when it holds the epoch of posting: ``posted`` and ``posted_at`` are read from it."""
        url = self._canonical.value
        return first(("URL epoch", lambda: url if url and url_epoch(url) else None))

    @page_field("source")
    def _source(self) -> Finding:
        return first(
            ("p.article-meta Source:", lambda: self._meta.by_class.get("Source")),
            ("a.source-name", lambda: first_text(SOURCE_NAME, self.root)),
            ("'Source:' line", lambda: self._meta.by_words.get("Source")),
            ("source listing link by the h1", lambda: first_text(SOURCE_LINK_BY_TITLE, self.root)),
        )

    @page_field("source_url", covered=True)
    def _source_url_field(self) -> Finding:
        return first(
            ("p.article-meta link", self._meta.source_url),
            ("'original version' link", lambda: self._meta.link_of(ORIGINAL_LINKS)),
        )

    @page_field("body", covered=True)
    def _body_field(self) -> Finding:
        return first(("div.article-content", lambda: body_text(next(iter(self.contents), None))))

    @page_field("related", required=False)
    def _related(self) -> Finding:
        return first(("teaser blocks", lambda: self.raw_teasers(self._noted) or None))

    def to_item(self, crawled_at: str, capture: ArchiveCapture | None = None) -> Read[Article]:
        """The record: the raw values found, normalized by the loader; with every problem met on the way.

        ``crawled_at`` and ``capture`` are the fetch's (:data:`~vok_crawler.site.pages.fields.FETCH_FIELDS`):
        when the page was fetched, and the web archive's capture it was read from (``None``: the live site).
        """
        found = self.findings()
        findings, problems = found.value, list(found.problems)
        loader = ArticleLoader(
            **self.context(problems), self_urls={findings["url"].value, self.link(self.url, problems)}
        )
        for declared in self.page_fields:
            for name in declared.record_fields:
                loader.add_value(name, findings[declared.name].value)
        loader.add_value("crawled_at", crawled_at)
        problems.extend(findings_problems(findings, self.page_fields, self.url))
        item = cast(Article, loader.load_item())
        item.capture = capture
        return Read(item, tuple(problems))

    def not_understood(self) -> str | None:
        """Why an article page cannot be read, if it cannot: its body element or its title found by no rule.

        A body element that holds no text (a photo-only article) is read, as
        an empty body; a page without one gives no record, to be read again
        once the rules are fixed.
        """
        missing = [
            what
            for what, found in (
                ("body element", bool(self.contents)),
                ("title", self.findings().value["title"].rule),
            )
            if not found
        ]
        return f"no {' and no '.join(missing)} found by any rule" if missing else None

    @cached_property
    def contents(self) -> list[HtmlElement]:
        """The content elements (``div.article-content``), looked for once: the body and the gate read them."""
        return cast(list[HtmlElement], CONTENT(self.root))

    def is_article(self) -> bool:
        """Whether the page has the article's own markup (not only a fallback's)."""
        return bool(ARTICLE_MARKERS(self.root))

    @cached_property
    def _meta(self) -> MetaLine:
        # The page's linking without the page: a closure over ``self`` would make a cycle that keeps
        # the page and its tree alive until the garbage collector's next full pass.
        return MetaLine(
            self.root,
            partial(web_link, page_url=self.url, origin=self.origin, aliases=self.aliases, problems=self._noted),
        )


@dataclass
class MetaLine:
    """The article's meta line (``Date:``, ``Source:``, the original's link) and the links named in its head.

    Apart from the page object so that each field's declaration on
    :class:`ArticlePage` reads as its list of rules; the links go through
    :func:`web_link`, as the page's own do, which makes them canonical and
    notes the ones that are no web link.
    """

    root: HtmlElement
    link: Callable[[str], str | None]

    @cached_property
    def by_class(self) -> dict[str, str]:
        """The meta line's ``Date:`` and ``Source:`` parts, by its class."""
        return dict(_META_PART.findall(first_text(META, self.root) or ""))

    @cached_property
    def by_words(self) -> dict[str, str]:
        """The meta line found by its words: a slower search, made only when its class is gone."""
        return dict(_META_PART.findall(first_text(META_BY_WORDS, self.root) or ""))

    def link_of(self, query: Query) -> str | None:
        """The first link ``query`` finds, made canonical."""
        href = first_value(query, self.root)
        return self.link(href) if href else None

    def source_url(self) -> str | None:
        """The "Read original version at source" link of the meta line."""
        links = META_LINKS(self.root)
        originals = [a for a in links if "original" in markup_text(a).lower()]
        for anchor in originals or links:
            return self.link(anchor.get("href"))
        return None


def body_text(content: HtmlElement | None) -> str | None:
    """The article's text: its content element, without the sharing buttons and related posts."""
    if content is None:
        return None
    return markup_text(content, set(NOT_BODY(content))) or None
