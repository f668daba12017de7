"""Text of an HTML element, with the breaks a browser would show.

``html-text`` was tried first, but it puts a space between every pair of
text nodes (``<b>bo</b>ld`` reads ``bo ld``, ``Un</a>'s`` reads ``Un 's``),
while the site's rule is that inline markup adds no space. So the walk is
done here: text and tails in document order, a ``<br>`` as
:data:`LINE_BREAK`, the edges of block elements as :data:`PARAGRAPH_BREAK`.
Both are Unicode white space, so a one-line field only needs its white space
collapsed (:func:`vok_crawler.site.processors.normalize_space`), and a body is
split on them (:func:`vok_crawler.site.processors.paragraphs`).
"""

from __future__ import annotations

from collections.abc import Collection

from lxml.html import HtmlElement

LINE_BREAK = "\u2028"
PARAGRAPH_BREAK = "\u2029"

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
NEVER_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})


def markup_text(element: HtmlElement, skip: Collection[HtmlElement] = ()) -> str:
    """The raw text inside ``element`` (not its tail), breaks marked.

    ``skip`` holds elements whose whole subtree is not text (widgets that
    plugins put inside the content); their tails still are. The walk keeps
    its own stack: a page of 10,000 nested tags is read, not a recursion error.
    """
    if not len(element) and not skip:  # a leaf, as most titles, dates and teasers are
        return element.text or ""
    parts: list[str] = [element.text or ""]
    # Each entry is an element to open, or a string to emit when its turn comes (a break, a tail).
    stack: list[HtmlElement | str] = list(reversed(element))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        stack.append(item.tail or "")
        tag = item.tag if isinstance(item.tag, str) else None  # comments have none
        if tag == "br":
            parts.append(LINE_BREAK)
        elif tag is not None and tag not in NEVER_TEXT_TAGS:
            block = tag in BLOCK_TAGS
            if block:  # a skipped block still parts the words around it
                parts.append(PARAGRAPH_BREAK)
                stack.append(PARAGRAPH_BREAK)
            if item not in skip:
                stack.extend(reversed(item))
                stack.append(item.text or "")
    return "".join(parts)
