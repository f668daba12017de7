"""A teaser block read by what its parts are, not only by their classes (``docs/site.md``, "The teaser block")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

from lxml import etree
from lxml.html import HtmlElement

from vok_crawler.site.pages.queries import (
    BLOCK_CLASSED,
    BLOCK_H4,
    BLOCK_IMAGES,
    BLOCK_LINKS,
    BLOCK_TEXT_LEAVES,
    HEADING_LINK,
    HOLDS_A_BLOCK,
    SUBSCRIBE_LINKS,
    THUMBNAIL_PARTS,
)
from vok_crawler.site.processors import is_date_text, normalize_space
from vok_crawler.site.text import markup_text


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
