"""A bot check's challenge: what a page shows instead of content when only a browser may pass."""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from vok_crawler.site.pages.queries import ANY_TEASER_BLOCKS, ARTICLE_MARKERS, INLINE_SCRIPTS, PAYWALL, Query

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
