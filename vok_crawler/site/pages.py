"""Page parsing: where each value sits in the site's markup.

Page objects in the manner of web-poet: built from a parsel ``Selector``,
the page's URL and the crawl's origin, so they are tested from saved HTML
alone. They pick raw values out of the markup and hand them to the loaders
(:mod:`vok_crawler.site.loaders`) and processors, which normalize them.

The queries are XPath compiled once and run on the lxml tree that Scrapy
has already parsed: a page is parsed once, and a teaser block costs a few
microseconds rather than a ``Selector`` per query.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, TypeVar, cast

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from vok_crawler import stats
from vok_crawler.items import Article, RawTeaser, Teaser
from vok_crawler.site.loaders import ArticleLoader
from vok_crawler.site.problems import Problem, Read
from vok_crawler.site.processors import is_date_text, normalize_space, to_teaser, url_epoch
from vok_crawler.site.slices import Control, parse_slice, slice_size
from vok_crawler.site.text import markup_text
from vok_crawler.site.urls import NO_ALIASES, Aliases, canonical_url


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
_META_PART = re.compile(r"\b(Date|Source)\s*:\s*([^|]*)")
# The slice's parameters in an inline script, in any order: an object (JSON or not) or a query string
# (a slice URL) that names the action; its id is the parameter ``id`` (not ``source_id``, ``post_id``, ``data-id``).
_SCRIPT_SLICE_PARAMETERS = re.compile(
    r"\{[^{}]*get_cat_by_source[^{}]*\}|[^\s\"'{}<>;,]*get_cat_by_source[^\s\"'{}<>;,]*"
)
_ID_PARAMETER = re.compile(r"(?<![\w-])[\"']?id[\"']?\s*[=:]\s*[\"']?(\d+)")
_SITE_SUFFIX = re.compile(r"\s*[|–-]\s*KCNA Watch\s*$")
UPGRADE_WORDS = "upgrade to nk pro"
FREE_MEMBER_FORM = "free-member-form"
CUT_SHORT_ENDINGS = ("…", "...", "[…]", "[...]")


def script_slice_id(script: str) -> str | None:
    """The source id among a slice's parameters in a script, in whatever order they come.

    ``{"id":187245,"source":"163","action":"get_cat_by_source"}``,
    ``{action: 'get_cat_by_source', ..., id: 777}`` and a slice URL with
    ``id=K`` before or after ``action=`` alike: the parameters that name
    the action, and the ``id`` among them.
    """
    for parameters in _SCRIPT_SLICE_PARAMETERS.findall(script):
        found = _ID_PARAMETER.search(parameters)
        if found:
            return found[1]
    return None


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
class PageField:
    """One field of the record as the article page declares it: the method that finds it, by its rules.

    ``also`` names the record's fields read from the same finding
    (``posted_at`` from ``posted``); ``covered`` fields count in the health
    report's coverage; a ``required`` field found by no rule is a problem.
    The record's fields, the loader's order, the probe's table and the
    health report's coverage all come from :data:`PAGE_FIELDS`.
    """

    name: str
    read: Callable[[Any], Finding]
    also: tuple[str, ...] = ()
    covered: bool = False
    required: bool = True

    @property
    def record_fields(self) -> tuple[str, ...]:
        return (self.name, *self.also)


PAGE_FIELDS: list[PageField] = []  # in the record's order, as ArticlePage declares them
FIELDS_BY_NAME: dict[str, PageField] = {}
FieldReader = TypeVar("FieldReader", bound=Callable[[Any], "Finding"])


def page_field(
    name: str, also: tuple[str, ...] = (), covered: bool = False, required: bool = True
) -> Callable[[FieldReader], FieldReader]:
    """Declare the method it decorates as the one reading of the record's field ``name``."""

    def declare(method: FieldReader) -> FieldReader:
        declared = PageField(name, method, also, covered, required)
        PAGE_FIELDS.append(declared)
        FIELDS_BY_NAME[name] = declared
        return method

    return declare


def record_fields() -> list[str]:
    """Every field of the record, in its order: the page's, then when it was fetched."""
    return [name for declared in PAGE_FIELDS for name in declared.record_fields] + ["crawled_at"]


def covered_fields() -> tuple[str, ...]:
    """The fields whose share of records the health report shows."""
    return tuple(declared.name for declared in PAGE_FIELDS if declared.covered)


def finding_for(record_field: str) -> str:
    """The declared field whose finding gives ``record_field`` (``posted`` for ``posted_at``)."""
    return next(declared.name for declared in PAGE_FIELDS if record_field in declared.record_fields)


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
    does not exist) come back with what was read (:class:`Read`), for its
    receiver to report.
    """

    selector: Selector
    url: str
    origin: str
    aliases: Aliases = NO_ALIASES  # the site's other host names (VOK_HOST_ALIASES)

    @property
    def root(self) -> HtmlElement:
        return self.selector.root

    def context(self, problems: list[Problem]) -> dict[str, Any]:
        """What processors need to report bad input: the page, and the list of the reading's problems."""
        return {"url": self.url, "problems": problems}

    def link(self, href: str, problems: list[Problem]) -> str | None:
        """``href`` made canonical; ``None`` (and a problem in ``problems``) if it is no web link."""
        return web_link(href, self.url, self.origin, self.aliases, problems)

    def more_articles(self) -> Read[Control]:
        """The way to the next slice: the control's link, its data attributes, or an id in the page."""
        problems: list[Problem] = []
        controls = CONTROLS(self.root)
        here = self.link(self.url, problems)  # an href that is the page itself (``#``, or a slice's own URL): no way on
        links = [self.link(control.get("href", ""), problems) for control in controls]
        hrefs = [url for url in links if url and url != here and parse_slice(url)]
        data = next((c for c in controls if c.get("data-id") or c.get("data-from")), None)
        start = _int(data.get("data-from")) if data is not None else None
        size = slice_size(start, _int(data.get("data-to"))) if data is not None else None
        if hrefs:
            found = parse_slice(hrefs[0])
            control = Control(
                href=hrefs[0], source_id=found.source_id if found else None, start=start, size=size, route="href"
            )
        elif data is not None and (data.get("data-id") or "").strip().isdigit():
            control = Control(source_id=data.get("data-id").strip(), start=start, size=size, route="data")
        else:
            found_id = self._slice_id_elsewhere()
            control = Control(source_id=found_id, start=start, size=size, route="script" if found_id else "none")
        return Read(control, tuple(problems))

    def _slice_id_elsewhere(self) -> str | None:
        """The source id of a slice URL in any link, or of the slice's parameters in an inline script of the page."""
        for href in SLICE_HREFS(self.root):
            found = parse_slice(canonical_url(href, self.url, self.origin, self.aliases) or "")
            if found:
                return found.source_id
        scripts = (script_slice_id(s.replace("\\/", "/").replace("&amp;", "&")) for s in INLINE_SCRIPTS(self.root))
        return next((source_id for source_id in scripts if source_id), None)

    def teasers(self) -> Read[list[Teaser]]:
        """Every teaser block in page order, duplicates included, normalized."""
        problems: list[Problem] = []
        teasers = [to_teaser(raw, self.context(problems)) for raw in self.raw_teasers(problems)]
        return Read(teasers, tuple(problems))

    def raw_teasers(self, problems: list[Problem]) -> list[RawTeaser]:
        """Each ``.article-desc`` block's link and its copies of title, date and teaser text.

        A listing wraps the blocks in ``#latest_article_wrapper`` (the search
        in ``#search_wrapper``); a "More Articles" slice is a bare fragment of
        blocks. Which copy is kept is the processor's choice
        (:func:`vok_crawler.site.processors.to_teaser`).
        """
        blocks = TEASER_BLOCKS(self.root) or ANY_TEASER_BLOCKS(self.root)
        return [self._raw_teaser(block, problems) for block in blocks]

    def _raw_teaser(self, block: HtmlElement, problems: list[Problem]) -> RawTeaser:
        """A block read by what its parts are, not only by their classes (``docs/site.md``, "The teaser block").

        The title is the ``h4`` link's text, else an ``img[alt]``; the date is
        ``p.articled-date``, else the element whose text is a date and nothing
        else; the teaser text is ``p.excerpt``, else ``div.hover-excerpt``, else
        the text that remains once title, date and links are set aside. The
        thumbnail may stand beside the block (an ``article.clearfix`` holding
        both): its link and ``alt`` are read there when the block lacks them.
        """
        parts = TeaserParts(block)
        href = parts.href()
        return RawTeaser(
            url=self.link(href, problems) if href else None,
            titles=parts.titles(),
            date=markup_text(parts.date) if parts.date is not None else None,
            teasers=parts.texts(),
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


def web_link(href: str, page_url: str, origin: str, aliases: Aliases, problems: list[Problem]) -> str | None:
    """``href`` on ``page_url`` made canonical; ``None`` (and a problem in ``problems``) if it is no web link."""
    url = canonical_url(href, page_url, origin, aliases)
    if url is None and href.strip() and not href.strip().startswith("#"):
        scheme = href.strip().split(":", 1)[0] + ":"
        problems.append(Problem(stats.LINKS_NOT_WEB, f"Ignoring {scheme} link {href!r} on {page_url}", 20))
    return url


def _is_title_or_date(text: str, titles: list[str]) -> bool:
    """Text that is no teaser: empty, a date, or a copy of the title (perhaps cut short with "…")."""
    cut = text.rstrip("….").strip()
    return not text or is_date_text(text) or any(title == text or (cut and title.startswith(cut)) for title in titles)


def _classes(element: HtmlElement) -> set[str]:
    return set(element.get("class", "").split())


@dataclass
class TeaserParts:
    """The parts of one teaser block, each found by a compiled query (a dozen elements, read in C)."""

    block: HtmlElement

    @cached_property
    def h4(self) -> HtmlElement | None:
        return next(iter(BLOCK_H4(self.block)), None)

    @cached_property
    def links(self) -> list[HtmlElement]:
        return cast(list[HtmlElement], BLOCK_LINKS(self.block))

    @cached_property
    def images(self) -> list[HtmlElement]:
        return cast(list[HtmlElement], BLOCK_IMAGES(self.block))

    @cached_property
    def leaves(self) -> list[HtmlElement]:
        """The p and div holding no p, div or h4, outside links and headings: where a teaser text may stand."""
        return cast(list[HtmlElement], BLOCK_TEXT_LEAVES(self.block))

    @cached_property
    def classed(self) -> dict[str, HtmlElement]:
        """``p.articled-date``, ``p.excerpt`` and ``div.hover-excerpt``, each the block's first, by class."""
        found: dict[str, HtmlElement] = {}
        for element in BLOCK_CLASSED(self.block):
            for name in _classes(element) & {"articled-date", "excerpt", "hover-excerpt"}:
                found.setdefault(name, element)
        return found

    @cached_property
    def date(self) -> HtmlElement | None:
        """``p.articled-date``, else the first leaf whose text is a date and nothing else."""
        dated = self.classed.get("articled-date")
        return dated if dated is not None else next((e for e in self.leaves if is_date_text(markup_text(e))), None)

    @cached_property
    def _beside(self) -> list[HtmlElement]:
        """The thumbnail beside the block: the rest of its parent, when the parent holds this block alone.

        Asked of every block of a listing, whose parent holds a dozen: a
        neighbour that is a block answers at once; else each sibling is asked
        whether it holds one.
        """
        parent = self.block.getparent()
        neighbours = (
            next(self.block.itersiblings(etree.Element, preceding=preceding), None) for preceding in (True, False)
        )
        if parent is None or any(n is not None and "article-desc" in _classes(n) for n in neighbours):
            return []
        siblings = [child for child in parent.iterchildren(etree.Element) if child is not self.block]
        if any(HOLDS_A_BLOCK(sibling) for sibling in siblings):
            return []
        return [e for sibling in siblings for e in THUMBNAIL_PARTS(sibling)]

    @cached_property
    def heading(self) -> HtmlElement | None:
        """The ``h4``'s link, where the title stands."""
        return next(iter(HEADING_LINK(self.h4)), None) if self.h4 is not None else None

    def href(self) -> str | None:
        """The ``h4`` link, else the thumbnail's, else any link of the block, else the thumbnail beside it."""
        found = self.heading
        if found is None:
            thumbs = [a for a in self.links if "thumb" in _classes(a)]
            beside = [a for a in self._beside if a.tag == "a" and a.get("href")]
            found = next(iter(thumbs or self.links or beside), None)
        return found.get("href") if found is not None else None

    def titles(self) -> tuple[str | None, ...]:
        """The ``h4`` link's text, the ``h4``'s, then every ``img[alt]`` (the block's, then beside it)."""
        alts = [e.get("alt") for e in [*self.images, *(e for e in self._beside if e.tag == "img")]]
        return (
            markup_text(self.heading) if self.heading is not None else None,
            markup_text(self.h4) if self.h4 is not None else None,
            *alts,
        )

    def texts(self) -> tuple[str, ...]:
        """The teaser text's copies: ``p.excerpt``, ``div.hover-excerpt``, then what remains of the block.

        No copy holds a link to NK Pro's subscription (the call to subscribe
        that ends some teasers, as "what remains" holds no link at all); the
        words of such a call are taken off by the processor, whatever holds them
        (:func:`vok_crawler.site.processors.without_call_to_subscribe`).
        """
        by_class = [self.classed[name] for name in ("excerpt", "hover-excerpt") if name in self.classed]
        if by_class:
            return tuple(markup_text(e, set(SUBSCRIBE_LINKS(e))) for e in by_class)
        titles = [normalize_space(t) for t in self.titles() if t]
        # Text outside links: a thumbnail's box holds the title's copies (cut short with "…"), no teaser.
        remains = [markup_text(leaf, set(leaf.iter("a"))) for leaf in self.leaves if leaf is not self.date]
        return tuple(t for t in remains if not _is_title_or_date(normalize_space(t), titles))


@dataclass
class ArticlePage(SitePage):
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
            found = {declared.name: declared.read(self) for declared in PAGE_FIELDS}
            self._findings = Read(found, tuple(self._noted))
        return self._findings

    # The record's fields, each declared once with its rules in order of preference (PAGE_FIELDS).

    @page_field("url")
    def _url(self) -> Finding:
        return self._canonical

    @cached_property
    def _canonical(self) -> Finding:
        """The article's URL, read once: ``posted`` is read from it too."""
        return _first(
            ("link[rel=canonical]", lambda: self._meta.link_of(CANONICAL)),
            ("og:url", lambda: self._meta.link_of(OG_URL)),
            ("page URL", lambda: self.link(self.url, self._noted)),
        )

    @page_field("title", covered=True)
    def _title(self) -> Finding:
        return _first(
            ("h1.article-title", lambda: first_text(TITLE, self.root)),
            ("og:title", lambda: first_value(OG_TITLE, self.root)),
            ("<title>", lambda: _SITE_SUFFIX.sub("", first_text(HTML_TITLE, self.root) or "")),
        )

    @page_field("published", covered=True)
    def _published(self) -> Finding:
        return _first(
            ("p.article-meta Date:", lambda: self._meta.by_class.get("Date")),
            ("'Date:' line", lambda: self._meta.by_words.get("Date")),
        )

    @page_field("posted", also=("posted_at",), covered=True)
    def _posted(self) -> Finding:
        """The canonical URL, when it holds the epoch of posting: ``posted`` and ``posted_at`` are read from it."""
        url = self._canonical.value
        return _first(("URL epoch", lambda: url if url and url_epoch(url) else None))

    @page_field("source")
    def _source(self) -> Finding:
        return _first(
            ("p.article-meta Source:", lambda: self._meta.by_class.get("Source")),
            ("a.source-name", lambda: first_text(SOURCE_NAME, self.root)),
            ("'Source:' line", lambda: self._meta.by_words.get("Source")),
            ("source listing link by the h1", lambda: first_text(SOURCE_LINK_BY_TITLE, self.root)),
        )

    @page_field("source_url", covered=True)
    def _source_url_field(self) -> Finding:
        return _first(
            ("p.article-meta link", self._meta.source_url),
            ("'original version' link", lambda: self._meta.link_of(ORIGINAL_LINKS)),
        )

    @page_field("body", covered=True)
    def _body_field(self) -> Finding:
        return _first(("div.article-content", lambda: body_text(next(iter(self.contents), None))))

    @page_field("related", required=False)
    def _related(self) -> Finding:
        return _first(("teaser blocks", lambda: self.raw_teasers(self._noted) or None))

    def to_item(self, crawled_at: str) -> Read[Article]:
        """The record: the raw values found, normalized by the loader; with every problem met on the way."""
        found = self.findings()
        findings, problems = found.value, list(found.problems)
        loader = ArticleLoader(
            **self.context(problems), self_urls={findings["url"].value, self.link(self.url, problems)}
        )
        for declared in PAGE_FIELDS:
            for name in declared.record_fields:
                loader.add_value(name, findings[declared.name].value)
        loader.add_value("crawled_at", crawled_at)
        problems.extend(findings_problems(findings, self.url))
        item = cast(Article, loader.load_item())
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


def findings_problems(findings: dict[str, Finding], url: str) -> list[Problem]:
    """Fields found by no rule, or only by a fallback, as problems: the crawl says what it missed."""
    problems = []
    for name, finding in findings.items():
        if finding.rule is None and FIELDS_BY_NAME[name].required:
            problems.append(Problem(stats.field_missing(name), f"No {name} found on {url}", logging.INFO))
        elif finding.fallback:
            message = f"The {name} of {url} was found by its fallback rule {finding.rule}"
            problems.append(Problem(stats.field_fallback(name, finding.rule or ""), message, logging.DEBUG))
    return problems


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


def _first(*rules: tuple[str, Callable[[], Any]]) -> Finding:
    """The first rule whose value has text; ``Finding(None)`` when none has."""
    for number, (name, rule) in enumerate(rules):
        value = rule()
        if value and (not isinstance(value, str) or value.strip()):
            return Finding(name, value, fallback=number > 0)
    return Finding(None)


def nk_pro_gate(page: ArticlePage) -> str | None:
    """The trace of the NK Pro gate this page shows instead of the article, if any.

    A concern apart from the article's fields: the gate is NK Pro's page in
    the article's place, judged before any field is read. Only where the article would stand is looked at (the content and
    what follows it, teasers left out): the same words end some teasers,
    and the sidebar advertises NK Pro on every page.
    """
    if FREE_MEMBER_FORM in page.url:
        return "free-member-form URL"
    region = [element for content in page.contents for element in (content, *AFTER_CONTENT(content))]
    if any(PAYWALL(element) for element in region):
        return "paywall markup"
    for element in filter(SAYS_UPGRADE, region):
        text = markup_text(element, set(ANY_TEASER_BLOCKS(element)))
        if UPGRADE_WORDS in normalize_space(text).lower():
            return "Upgrade to NK PRO"
    body = page.findings().value["body"].value
    if body and normalize_space(body).endswith(CUT_SHORT_ENDINGS):
        return "body cut short"
    return None


# A challenge page: what bot checks show instead of content (words, a form, a script that sets a cookie and reloads).
CHALLENGE_WORDS = re.compile(
    r"enable javascript|javascript is (?:disabled|required)|checking (?:if the site connection is secure|your browser)"
    r"|verify(?:ing)? (?:that )?you are (?:a )?human|are you a robot|just a moment\.\.\.|ddos protection",
    re.IGNORECASE,
)
CHALLENGE_FORMS: Query = etree.XPath(
    "//form[contains(translate(concat(@id, ' ', @class, ' ', @action), 'CHALENG', 'chaleng'), 'challenge')]"
)
ALL_TEXT: Query = etree.XPath("//text()")  # the noscript's words too: "please enable JavaScript"
_COOKIE_THEN_RELOAD = re.compile(
    r"document\.cookie\s*=.{0,2000}?location\s*(?:\.\s*(?:reload|replace|assign|href)|=)", re.DOTALL
)


def challenge(selector: Selector) -> str | None:
    """The trace of a bot check this page is instead of content, if any.

    A challenge is neither article, listing nor gate (none of their markup:
    a page with it is judged by those rules, never taken for a bot check),
    and shows a challenge's words ("enable JavaScript", "checking your
    browser"), a challenge form, or an inline script that sets a cookie and
    reloads (the check passes only in a browser that runs it).
    """
    root = selector.root
    if ARTICLE_MARKERS(root) or ANY_TEASER_BLOCKS(root) or PAYWALL(root):
        return None
    if CHALLENGE_FORMS(root):
        return "a challenge form"
    if any(_COOKIE_THEN_RELOAD.search(script) for script in INLINE_SCRIPTS(root)):
        return "a script that sets a cookie and reloads"
    found = CHALLENGE_WORDS.search(" ".join(ALL_TEXT(root)))
    return f"the words {found[0]!r}" if found else None
