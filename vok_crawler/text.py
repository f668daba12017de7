"""Text of an HTML element, with the breaks a browser would show.

``html-text`` was tried first, but it puts a space between every pair of
text nodes (``<b>bo</b>ld`` reads ``bo ld``, ``Un</a>'s`` reads ``Un 's``),
while the site's rule is that inline markup adds no space. So the walk is
done here: text and tails in document order, a ``<br>`` as
:data:`LINE_BREAK`, the edges of block elements as :data:`PARAGRAPH_BREAK`.
Both are Unicode white space, so a one-line field only needs its white space
collapsed (:func:`vok_crawler.processors.normalize_space`), and a body is
split on them (:func:`vok_crawler.processors.paragraphs`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from lxml.html import HtmlElement

LINE_BREAK = "\u2028"
PARAGRAPH_BREAK = "\u2029"

BLOCK_TAGS = frozenset(
    "address article aside blockquote dd details div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)
NEVER_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})


def markup_text(element: HtmlElement, skip: Collection[HtmlElement] = ()) -> str:
    """The raw text inside ``element`` (not its tail), breaks marked.

    ``skip`` holds elements whose whole subtree is not text (widgets that
    plugins put inside the content); their tails still are.
    """
    if not len(element) and not skip:  # a leaf, as most titles, dates and teasers are
        return element.text or ""
    return "".join(_inner(element, skip))


def _inner(element: HtmlElement, skip: Collection[HtmlElement]) -> Iterator[str]:
    if element.text:
        yield element.text
    for child in element:
        yield from _outer(child, skip)


def _outer(element: HtmlElement, skip: Collection[HtmlElement]) -> Iterator[str]:
    tag = element.tag if isinstance(element.tag, str) else None  # comments have none
    if tag == "br":
        yield LINE_BREAK
    elif tag is not None and tag not in NEVER_TEXT_TAGS:
        block = tag in BLOCK_TAGS
        if block:
            yield PARAGRAPH_BREAK
        if element not in skip:
            yield from _inner(element, skip)
        if block:  # a skipped block still parts the words around it
            yield PARAGRAPH_BREAK
    if element.tail:
        yield element.tail
