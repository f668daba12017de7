"""Any page of the site (a listing, a slice, a search, an article): its teaser blocks and its "More Articles" control.

Page objects in the manner of web-poet: built from a parsel ``Selector``,
the page's URL and the crawl's origin, so they are tested from saved HTML
alone. They pick raw values out of the markup and hand them to the loaders
(:mod:`vok_crawler.site.loaders`) and processors, which normalize them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement
from parsel import Selector

from vok_crawler import stats
from vok_crawler.items import RawTeaser, Teaser
from vok_crawler.site.pages.queries import (
    ANY_TEASER_BLOCKS,
    CONTROLS,
    HEADING,
    HTML_TITLE,
    INLINE_SCRIPTS,
    SLICE_HREFS,
    TEASER_BLOCKS,
    first_text,
)
from vok_crawler.site.pages.teasers import TeaserParts
from vok_crawler.site.problems import Problem, Read
from vok_crawler.site.processors import to_teaser
from vok_crawler.site.slices import Control, parse_slice, slice_size
from vok_crawler.site.text import markup_text
from vok_crawler.site.urls import NO_ALIASES, Aliases, canonical_url

# The slice's parameters in an inline script, in any order: an object (JSON or not) or a query string
# (a slice URL) that names the action; its id is the parameter ``id`` (not ``source_id``, ``post_id``, ``data-id``).
_SCRIPT_SLICE_PARAMETERS = re.compile(
    r"\{[^{}]*get_cat_by_source[^{}]*\}|[^\s\"'{}<>;,]*get_cat_by_source[^\s\"'{}<>;,]*"
)
_ID_PARAMETER = re.compile(r"(?<![\w-])[\"']?id[\"']?\s*[=:]\s*[\"']?(\d+)")


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


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


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

    def heading(self) -> str | None:
        """What the page says it is: its first heading (a source's listing names the source in it), else its
        ``<title>`` up to the site's name (``Voice of Korea (EN) | KCNA Watch``); ``None`` if it says neither.

        Not in the anatomy's evidence: ``scrapy probe`` shows it, beside the source its article names.
        """
        heading = first_text(HEADING, self.root) or first_text(HTML_TITLE, self.root) or ""
        return heading.split(" | ")[0].strip() or None

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


def web_link(href: str, page_url: str, origin: str, aliases: Aliases, problems: list[Problem]) -> str | None:
    """``href`` on ``page_url`` made canonical; ``None`` (and a problem in ``problems``) if it is no web link."""
    url = canonical_url(href, page_url, origin, aliases)
    if url is None and href.strip() and not href.strip().startswith("#"):
        scheme = href.strip().split(":", 1)[0] + ":"
        problems.append(Problem(stats.LINKS_NOT_WEB, f"Ignoring {scheme} link {href!r} on {page_url}", 20))
    return url
