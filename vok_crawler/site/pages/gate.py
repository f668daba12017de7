"""The NK Pro gate: NK Pro's page in the article's place, judged before any field is read."""

from __future__ import annotations

from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.queries import AFTER_CONTENT, ANY_TEASER_BLOCKS, PAYWALL, SAYS_UPGRADE
from vok_crawler.site.processors import normalize_space
from vok_crawler.site.text import markup_text
from vok_crawler.site.urls import is_free_member_form

UPGRADE_WORDS = "upgrade to nk pro"
CUT_SHORT_ENDINGS = ("…", "...", "[…]", "[...]")


def nk_pro_gate(page: ArticlePage) -> str | None:
    """The trace of the NK Pro gate this page shows instead of the article, if any.

    A concern apart from the article's fields: the gate is NK Pro's page in
    the article's place, judged before any field is read. Only where the article would stand is looked at (the content and
    what follows it, teasers left out): the same words end some teasers,
    and the sidebar advertises NK Pro on every page.
    """
    if is_free_member_form(page.url):
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
