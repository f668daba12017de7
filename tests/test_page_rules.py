"""Page objects on small pages written for one rule each: controls, gates, fallbacks."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.pages.site_page import SitePage

ORIGIN = "http://127.0.0.1:8163"
ARTICLE_URL = f"{ORIGIN}/newstream/1741905900-381500815/normalized-production/"
SLICE = f"{ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&amp;die=true&amp;from=12&amp;to=12&amp;sort=&amp;id=190163"
TEASER = """<div class="article-desc"><h4><a href="{ORIGIN}/newstream/1772411400-381500830/x/">X</a></h4>
<p class="articled-date"><span>March 02, 2026</span></p><p class="excerpt">{text}</p></div>"""


def page(cls, body: str, url: str = ARTICLE_URL, head: str = ""):
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    response = HtmlResponse(url, body=html.encode(), encoding="utf-8")
    return cls(response.selector, url, ORIGIN)


def teaser(text: str = "A teaser") -> str:
    return TEASER.format(ORIGIN=ORIGIN, text=text)


@pytest.mark.parametrize(
    ("control", "route", "source_id", "start", "size"),
    [
        (
            f'<a class="more-articles" href="{SLICE}" data-from="12" data-to="12" data-id="190163">More</a>',
            "href",
            "190163",
            12,
            12,
        ),
        (
            '<button type="button" class="more-articles" data-from="12" data-to="12" data-id="190163">More</button>',
            "data",
            "190163",
            12,
            12,
        ),
        ('<a class="load-more" data-id="190163" data-from="24" data-to="36">More</a>', "data", "190163", 24, 12),
        ('<a class="more-articles" href="#" data-id="5">More</a>', "data", "5", None, None),
        (
            '<script>var more = {"url":"http:\\/\\/127.0.0.1:8163\\/wp-admin\\/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=12&sort=&id=190163"};</script>',
            "script",
            "190163",
            None,
            None,
        ),
        (
            "<script>jQuery.post(ajaxurl, {action: 'get_cat_by_source', die: true, from: 12, to: 12, id: 777});</script>",
            "script",
            "777",
            None,
            None,
        ),
        (  # the slice's parameters with the id first, as a held-out site of 2026 prints them
            '<script>var kw_src = {"id":187245,"source":"163","action":"get_cat_by_source","from":12,"to":12};</script>',
            "script",
            "187245",
            None,
            None,
        ),
        (  # a slice URL whose id comes before its action
            "<script>var next = '/wp-admin/admin-ajax.php?id=5150&from=12&action=get_cat_by_source';</script>",
            "script",
            "5150",
            None,
            None,
        ),
        (  # ids of other things beside the action are no source id
            '<script>var kw = {"source_id":"163","post_id":9,"data-id":4,"action":"get_cat_by_source"};</script>',
            "none",
            None,
            None,
            None,
        ),
        ("<script>window.kw_ajax = {}</script>", "none", None, None, None),
    ],
)
def test_the_more_articles_control_in_each_form(control, route, source_id, start, size):
    found = page(SitePage, f'<div id="latest_article_wrapper">{teaser()}</div>{control}').more_articles().value
    assert (found.route, found.source_id, found.start, found.size) == (route, source_id, start, size)
    assert (found.href is not None) == (route == "href")


def test_a_control_inside_a_teaser_is_not_the_pages_control():
    inner = f'<div class="article-desc"><a class="more-articles" href="{SLICE}">x</a></div>'
    assert page(SitePage, inner).more_articles().value.route == "script"  # found as a slice URL, not as the control


CONTENT = '<article><h1 class="article-title">Title</h1><p class="article-meta">Date: 14/03/2025 | Source: Voice of Korea (EN)</p>{content}</article>'


@pytest.mark.parametrize(
    ("content", "trace"),
    [
        (
            '<div class="article-content"><p>Start of</p><div class="nk-paywall-free-member-form"><div class="free-member-form-inner">Join</div></div></div>',
            "paywall markup",
        ),
        (
            '<div class="article-content"><p>Start of</p></div><div class="free-member-form-inner">Join</div>',
            "paywall markup",
        ),
        (
            '<div class="article-content"><p>Start of the story</p><p>Upgrade to NK PRO to keep reading</p></div>',
            "Upgrade to NK PRO",
        ),
        # The words across inline markup and lines, in capitals, after the content: still the gate.
        (
            '<div class="article-content"><p>Start of the story</p></div><div>UP<b>GRADE</b>\n to <a href="/pro/">nk pro</a></div>',
            "Upgrade to NK PRO",
        ),
        # In a second content element, in a box of its own (the gate's box styled as content).
        (
            (
                '<div class="article-content"><p>Start of the story</p></div></article>'
                '<article><div class="article-content">Upgrade to NK PRO</div>'
            ),
            "Upgrade to NK PRO",
        ),
        ('<div class="article-content"><p>The production is normalized and …</p></div>', "body cut short"),
        ('<div class="article-content"><p>A whole article.</p></div>', None),
    ],
)
def test_the_gate_by_each_of_its_traces(content, trace):
    assert nk_pro_gate(page(ArticlePage, CONTENT.format(content=content))) == trace


def test_the_gates_words_in_a_teaser_or_the_sidebar_are_no_gate():
    body = CONTENT.format(content='<div class="article-content"><p>A whole article.</p></div>')
    more_from = f'<section class="more-from"><div id="latest_article_wrapper">{teaser("Read more. Upgrade to NK PRO today")}</div></section>'
    sidebar = (
        '<aside class="sidebar"><p>Upgrade to NK PRO</p><div class="nk-paywall-free-member-form">Join</div></aside>'
    )
    assert nk_pro_gate(page(ArticlePage, body + more_from + sidebar)) is None
    inside = CONTENT.format(
        content=f'<div class="article-content"><p>A whole article.</p></div>{teaser("Upgrade to NK PRO today")}'
    )
    assert nk_pro_gate(page(ArticlePage, inside)) is None
    # "More From" as the content's own sibling: the region holds it, only its teasers are left out.
    beside = CONTENT.format(
        content=f'<div class="article-content"><p>A whole article.</p></div><section class="more-from">{teaser("Upgrade to NK PRO today")}</section>'
    )
    assert nk_pro_gate(page(ArticlePage, beside)) is None


def test_a_free_member_form_page_is_the_gate():
    assert (
        nk_pro_gate(page(ArticlePage, "<form>Email</form>", url=f"{ORIGIN}/free-member-form/?redirect_to=x"))
        == "free-member-form URL"
    )


def test_fields_are_found_by_fallbacks_and_say_which_rule_found_them():
    head = (
        '<meta property="og:title" content="From og:title"><title>From title | KCNA Watch</title>'
        f'<meta property="og:url" content="{ARTICLE_URL}">'
    )
    body = '<a class="source-name">Voice of Korea (EN)</a><div class="article-content"><p>Text.</p></div>'
    found = page(ArticlePage, body, url=ARTICLE_URL + "?utm_source=x", head=head).findings().value
    assert (found["title"].rule, found["title"].value) == ("og:title", "From og:title")
    assert (found["url"].rule, found["url"].value) == ("og:url", ARTICLE_URL)
    assert (found["source"].rule, found["source"].value) == ("a.source-name", "Voice of Korea (EN)")
    assert found["posted"].rule == "URL epoch"
    assert found["published"].rule is None and found["source_url"].rule is None
    # each found by its second rule: a fallback, flagged and reported as one
    assert [name for name in ("title", "url", "source") if found[name].fallback] == ["title", "url", "source"]
    assert not found["body"].fallback and not found["posted"].fallback
    article = page(ArticlePage, body, url=ARTICLE_URL + "?utm_source=x", head=head)
    read = article.to_item("2026-11-23T12:00:00Z")
    assert {
        "vok/fields/fallback/title/og:title",
        "vok/fields/fallback/url/og:url",
        "vok/fields/fallback/source/a.source-name",
    } <= {problem.stat for problem in read.problems}
    only_title = page(ArticlePage, body, head="<title>From title | KCNA Watch</title>").findings().value
    assert (only_title["title"].rule, only_title["title"].value) == ("<title>", "From title")
    assert only_title["url"].rule == "page URL"


def test_the_record_takes_posted_from_the_canonical_urls_epoch_not_the_header_date():
    header = '<p class="articled-date"><span class="date-long">November 23, 2026</span><span class="date-short">Nov 23, 2026</span></p>'
    canonical = f'<link rel="canonical" href="{ARTICLE_URL}">'
    item = (
        page(
            ArticlePage,
            header + CONTENT.format(content='<div class="article-content"><p>Text.</p></div>'),
            url=f"{ORIGIN}/newstream/1999999999-1/other-spelling/",
            head=canonical,
        )
        .to_item("2026-11-23T12:00:00Z")
        .value
    )
    assert (item.url, item.posted, item.posted_at) == (ARTICLE_URL, "2025-03-14", "2025-03-14T07:45:00+09:00")


def test_missing_and_fallback_fields_are_returned_as_problems():
    article = page(ArticlePage, '<div class="article-content"><p>Text.</p></div>', head="<title>T | KCNA Watch</title>")
    stats = {problem.stat for problem in article.to_item("2026-11-23T12:00:00Z").problems}
    assert {"vok/fields/fallback/title/<title>", "vok/fields/missing/published", "vok/fields/missing/source"} <= stats


def test_a_page_is_an_article_by_its_own_markup_only():
    assert page(ArticlePage, '<h1 class="article-title">T</h1>').is_article()
    assert not page(
        ArticlePage, "<h1>Server busy</h1><p>Try again later</p>", head='<meta property="og:title" content="x">'
    ).is_article()


def test_the_meta_line_is_found_by_its_words_when_its_class_is_gone():
    body = (
        '<h1 class="article-title">T</h1><div class="entry-meta"><span>Date: 03/04/2025 | Source: Voice of Korea (EN) | '
        '<a href="http://www.vok.rep.kp/x">Read original version at source</a></span></div>'
        '<div class="article-content"><p>Date: not this one, in the body.</p></div>' + teaser("Date: nor this one")
    )
    found = page(ArticlePage, body).findings().value
    assert (found["published"].rule, found["published"].value.strip()) == ("'Date:' line", "03/04/2025")
    assert (found["source"].rule, found["source"].value.strip()) == ("'Source:' line", "Voice of Korea (EN)")
    assert (found["source_url"].rule, found["source_url"].value) == (
        "'original version' link",
        "http://www.vok.rep.kp/x",
    )
    assert page(ArticlePage, body).to_item("2026-11-23T12:00:00Z").value.published == "2025-04-03"


def test_problems_come_back_with_what_was_read_and_the_page_keeps_none():
    control = '<a class="more-articles" href="javascript:void(0)">More</a>'
    listing = page(SitePage, f'<div id="latest_article_wrapper">{teaser()}</div>{control}')
    assert listing.teasers().problems == ()  # the control's link is no teaser's problem
    for _ in range(2):  # read again, told again: nothing was left on the page to empty
        assert [problem.stat for problem in listing.more_articles().problems] == ["vok/links/not_web"]
    head = '<meta property="og:url" content="mailto:desk@example.org">'
    article = page(ArticlePage, '<div class="article-content"><p>Text.</p></div>', head=head)
    found = article.findings()  # the og:url rule met a mailto: link while finding the URL
    assert [problem.stat for problem in found.problems] == ["vok/links/not_web"]
    assert found.value["url"].rule == "page URL"
    record = article.to_item("2026-11-23T12:00:00Z")  # the findings' problems come with the record, once
    assert [problem.stat for problem in record.problems].count("vok/links/not_web") == 1
