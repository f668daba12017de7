"""Saved pages of the samples into exact records: page objects and loaders, no network."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from tests.conftest import (
    RECORD_FIELDS,
    ROOT,
    SAMPLE_ORIGIN,
    SAMPLE_SITE,
    SCHEMA,
    assert_valid_records,
    expected_records,
)
from vok_crawler import stats
from vok_crawler.crawl.health import COVERED_FIELDS
from vok_crawler.items import Article
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.fields import Finding, first, page_field
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.slices import Control

CRAWLED_AT = "2026-11-23T12:00:00Z"
LISTING = f"{SAMPLE_ORIGIN}/article/163/"


def saved_page(page_class: type[SitePage], file: Path, url: str) -> SitePage:
    response = HtmlResponse(url, body=file.read_bytes(), encoding="utf-8")
    return page_class(response.selector, url, SAMPLE_ORIGIN)


def article_file(url: str) -> Path:
    return SAMPLE_SITE / url.removeprefix(f"{SAMPLE_ORIGIN}/") / "index.html"


EXPECTED = expected_records()


@pytest.mark.parametrize("url", sorted(EXPECTED))
def test_each_sample_article_gives_its_exact_record(url):
    record = ItemAdapter(saved_page(ArticlePage, article_file(url), url).to_item(CRAWLED_AT).value).asdict()
    assert record == EXPECTED[url]
    assert_valid_records([record])


def test_the_seed_article_as_the_reader_saw_it():
    url = f"{SAMPLE_ORIGIN}/newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted/"
    item = saved_page(ArticlePage, article_file(url), url).to_item(CRAWLED_AT).value
    # the header says the day the page was viewed; posted is the URL's epoch, 22:13 UTC: the next day in Korea
    assert "November 23, 2026" in article_file(url).read_text()
    assert (item.published, item.posted, item.posted_at) == ("2025-03-14", "2026-02-12", "2026-02-12T07:13:20+09:00")
    assert item.source == "Voice of Korea (EN)"
    assert item.body.count("\n\n") == 3
    assert len(item.related) == 12


def test_a_page_reached_by_another_spelling_takes_its_canonical_url():
    canonical = f"{SAMPLE_ORIGIN}/newstream/1771280000-381500825/ceramic-tea-set/"
    item = saved_page(ArticlePage, article_file(canonical), canonical + "?utm_source=x").to_item(CRAWLED_AT).value
    assert item.url == canonical


def test_a_page_without_canonical_link_takes_its_own_url_made_canonical():
    url = f"{SAMPLE_ORIGIN}/newstream/1772553600-381500834/letter-of-thanks-sent-to-kim-jong-un/"
    assert "canonical" not in article_file(url).read_text()
    item = saved_page(ArticlePage, article_file(url), url.rstrip("/") + "#respond").to_item(CRAWLED_AT).value
    assert item.url == url
    assert item.source_url is None


def test_a_page_of_another_source_says_so():
    url = f"{SAMPLE_ORIGIN}/newstream/1772300000-990010/kcna-commentary-on-sanctions/"
    assert saved_page(ArticlePage, article_file(url), url).to_item(CRAWLED_AT).value.source == "KCNA (EN)"


def test_the_listing_gives_its_teasers_in_order_and_a_control_without_a_link():
    page = saved_page(SitePage, SAMPLE_SITE / "article/163/index.html", LISTING)
    teasers = page.teasers().value
    assert len(teasers) == 12
    assert teasers[0].url == f"{SAMPLE_ORIGIN}/newstream/1770675200-381500818/party-policy-explained-to-working-people/"
    assert teasers[1].title == "Kim Jong Un inspects new greenhouse farm"  # from h4, not the cut thumb title
    assert teasers[1].date == "2026-03-05"
    assert page.more_articles().value == Control(source_id="190163", start=12, size=12, route="data")


def test_the_sources_list_gives_every_spelling_as_its_canonical_url():
    url = f"{SAMPLE_ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=190163&sort=&to=45"
    page = saved_page(SitePage, SAMPLE_SITE / "wp-admin/admin-ajax/190163.html", url)
    by_title = {t.title: t for t in page.teasers().value}
    assert by_title["Party policy explained to working people"].url.startswith(SAMPLE_ORIGIN + "/newstream/")
    assert by_title["Rural schools built"].url == f"{SAMPLE_ORIGIN}/newstream/1770588800-381500817/rural-schools-built/"
    assert by_title["Spring tree planting begins"].url.endswith("/spring-tree-planting-begins/")
    # no h4: the title comes from img[alt]; no p.excerpt: the teaser from div.hover-excerpt
    assert by_title["39th Sci-Tech Festival of Kim Il Sung University held"].url.endswith(
        "/39th-sci-tech-festival-of-kim-il-sung-university-held/"
    )
    assert by_title["Workshop for participants in Ninth Congress of WPK held"].teaser
    assert by_title["Fishermen bring in big catch"].date is None  # February 30
    assert page.more_articles().value.route == "none"  # a bare fragment


def test_an_empty_slice_has_nothing():
    page = SitePage(HtmlResponse(LISTING, body=b"", encoding="utf-8").selector, LISTING, SAMPLE_ORIGIN)
    assert page.teasers().value == [] and page.more_articles().value == Control()


def test_teaser_blocks_are_found_by_class_whatever_their_tag_and_spacing():
    html = (
        "<div id='latest_article_wrapper'><article class='row\n\tarticle-desc'>"
        "<h4><a href='/newstream/9-9/x'>Title</a></h4><p class='articled-date'><span>Mar 5, 2026</span></p>"
        "<p class='excerpt  lead'>Text</p></article></div>"
    )
    page = SitePage(HtmlResponse(LISTING, body=html.encode(), encoding="utf-8").selector, LISTING, SAMPLE_ORIGIN)
    [teaser] = page.teasers().value
    assert (teaser.url, teaser.title, teaser.date, teaser.teaser) == (
        f"{SAMPLE_ORIGIN}/newstream/9-9/x/",
        "Title",
        "2026-03-05",
        "Text",
    )


def test_the_committed_samples_are_what_build_py_writes(tmp_path):
    """The pages and their expected records are written from one set of facts; they cannot drift apart."""
    import importlib
    import sys

    sys.path.insert(0, str(SAMPLE_SITE.parent))
    try:
        build_samples = importlib.import_module("build_samples")
    finally:
        sys.path.remove(str(SAMPLE_SITE.parent))
    build_samples.main(tmp_path / "site")
    written = {p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    committed = {p.relative_to(SAMPLE_SITE): p.read_bytes() for p in SAMPLE_SITE.rglob("*") if p.is_file()}
    assert written.keys() == committed.keys()
    assert [name for name in written if written[name] != committed[name]] == []


def teasers_of(blocks: str) -> list:
    html = f'<html><body><div id="latest_article_wrapper">{blocks}</div></body></html>'
    response = HtmlResponse(LISTING, body=html.encode(), encoding="utf-8")
    page = SitePage(response.selector, LISTING, SAMPLE_ORIGIN)
    read = page.teasers()
    return [(t.url, t.title, t.date, t.teaser) for t in read.value], list(read.problems)


URL = f"{SAMPLE_ORIGIN}/newstream/1647302400-123456/Talks-Held/"
TEASER = ("Talks were held", "in Pyongyang.")


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(  # the KCTV archive's shape: the thumbnail beside the block, in an article.clearfix
            f"""<article class="clearfix"><div class="article-thumb"><a href="{URL}"><img src="t.jpg" alt="Talks held"></a></div>
            <div class="article-desc"><h4><a href="{URL}">Talks held</a></h4>
            <p class="articled-date"> March 15, 2022</p><p class="col-sm-12 col-xs-12">Talks were held<br>in Pyongyang.</p></div></article>""",
            id="thumbnail-beside",
        ),
        pytest.param(  # an img[alt] inside the h4; a bare long date with a leading space; a layout p with its copy
            f"""<div class="article-desc"><h4><img src="i.png" alt="Talks held"> <a href="{URL}">Talks held</a></h4>
            <div class="hover-excerpt">Talks were held in Pyongyang.</div>
            <p class="articled-date"> March 15, 2022</p><p class="col-md-8 hidden-xs">Talks were held in Pyongyang.</p></div>""",
            id="img-in-h4",
        ),
        pytest.param(  # every class no public source confirms, renamed: the parts are read by what they are
            f"""<div class="article-desc"><div class="x1"><a class="x2" href="{URL}"><img src="t.jpg" alt="Talks held">
            <span class="x3">Talks he…</span></a></div><div class="x4"><h4><a href="{URL}">Talks held</a></h4>
            <div class="x5">Talks were held in Pyongyang.</div><p class="x6"><span class="x7">March 15, 2022</span><span>Mar 15, 2022</span></p>
            <p class="x8">Talks were held in Pyongyang.</p></div></div>""",
            id="renamed-classes",
        ),
        pytest.param(  # no h4 and no thumbnail inside: the link and the title from the thumbnail beside it
            f"""<article class="clearfix"><div class="article-thumb"><a href="{URL.rstrip("/")}"><img src="t.jpg" alt="Talks held"></a></div>
            <div class="article-desc"><div>March 15, 2022</div><p>Talks were held in Pyongyang.</p></div></article>""",
            id="only-the-thumbnail-beside",
        ),
    ],
)
def test_a_teaser_is_read_by_what_its_parts_are(block):
    teasers, problems = teasers_of(block)
    assert teasers == [(URL, "Talks held", "2022-03-15", " ".join(TEASER))]
    assert problems == []


CALL = '&hellip; <a href="https://www.nknews.org/pro/subscribe/?utm_source=kcnawatch">Upgrade to NK PRO today</a>'
CUT = "Talks were held in"  # a teaser cut short, then the site's call to subscribe


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(
            f"""<div class="article-desc"><h4><a href="{URL}">Talks held</a></h4><div class="hover-excerpt">{CUT}{CALL}</div>
            <p class="articled-date">March 15, 2022</p><p class="excerpt">{CUT}{CALL}</p></div>""",
            id="excerpt-and-hover",
        ),
        pytest.param(
            f"""<div class="article-desc"><h4><a href="{URL}">Talks held</a></h4><div class="hover-excerpt">{CUT}{CALL}</div>
            <p class="articled-date">March 15, 2022</p></div>""",
            id="hover-only",
        ),
        pytest.param(
            f"""<article class="clearfix"><div class="article-thumb"><a href="{URL}"><img src="t.jpg" alt="Talks held"></a></div>
            <div class="article-desc"><h4><a href="{URL}">Talks held</a></h4>
            <p class="articled-date"> March 15, 2022</p><p class="col-sm-12 col-xs-12">{CUT}{CALL}</p></div></article>""",
            id="responsive-p",
        ),
        pytest.param(
            f"""<div class="article-desc"><h4><img src="i.png" alt="Talks held"> <a href="{URL}">Talks held</a></h4>
            <div class="hover-excerpt">{CUT}{CALL}</div>
            <p class="articled-date"> March 15, 2022</p><p class="col-md-8 hidden-xs">{CUT}{CALL}</p></div>""",
            id="responsive-p-and-hover",
        ),
        pytest.param(  # the words alone, in no link
            f"""<div class="article-desc"><h4><a href="{URL}">Talks held</a></h4>
            <p class="articled-date">March 15, 2022</p><p class="excerpt">{CUT}&hellip; <strong>Upgrade to NK PRO today!</strong></p></div>""",
            id="words-in-no-link",
        ),
        pytest.param(  # a link to the subscription, in other words
            f"""<div class="article-desc"><h4><a href="{URL}">Talks held</a></h4>
            <p class="articled-date">March 15, 2022</p><p class="excerpt">{CUT}&hellip; <a href="//www.nknews.org/pro/subscribe/">Read on with a subscription</a></p></div>""",
            id="subscribe-link-in-other-words",
        ),
    ],
)
def test_a_teasers_call_to_subscribe_is_no_part_of_its_text_whatever_the_shape(block):
    teasers, problems = teasers_of(block)
    assert teasers == [(URL, "Talks held", "2022-03-15", f"{CUT}…")]
    assert problems == []


def test_the_words_of_a_call_to_subscribe_within_a_teaser_stay():
    """Only a call at the end is taken off: the same words inside the text are the text."""
    text = "Readers were told to upgrade to NK Pro in a leaflet, which they did not read."
    teasers, _ = teasers_of(
        f'<div class="article-desc"><h4><a href="{URL}">T</a></h4><p class="excerpt">{text}</p></div>'
    )
    assert teasers[0][3] == text


def test_a_teaser_without_text_is_a_problem_named_with_its_link():
    """Link text is never teaser text: a "Read more" box stays out of it."""
    teasers, problems = teasers_of(
        f'<div class="article-desc"><h4><a href="{URL}">Talks held</a></h4><p class="articled-date">March 15, 2022</p>'
        f'<div class="more"><a href="{URL}"><span>Read more</span></a></div></div>'
    )
    assert teasers == [(URL, "Talks held", "2022-03-15", None)]
    assert [p.stat for p in problems] == ["vok/teasers/without_text"] and URL in problems[0].message


def test_two_blocks_in_one_article_clearfix_keep_their_own_links():
    """The thumbnail beside a block is read only when its container holds that block alone."""
    other = URL.replace("Talks-Held", "Other")
    teasers, _ = teasers_of(
        f"""<article class="clearfix"><div class="article-thumb"><a href="{other}"><img alt="Other"></a></div>
        <div class="article-desc"><p>March 15, 2022</p><p>First teaser.</p></div>
        <div class="article-desc"><h4><a href="{URL}">Talks held</a></h4><p>Second teaser.</p></div></article>"""
    )
    assert [(t[0], t[1]) for t in teasers] == [(None, None), (URL, "Talks held")]


def readme_record_table() -> list[str]:
    """The fields the README's "The record" table lists, in its order."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## The record\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)


def test_the_item_the_schema_and_the_readme_name_the_fields_the_article_page_declares():
    """Each field declared once, as a method of the page: the item, the JSON Schema and the README follow it."""
    declared = ArticlePage.record_fields()
    assert declared == RECORD_FIELDS and len(declared) == len(set(declared))
    assert len({f.name for f in ArticlePage.page_fields}) == len(ArticlePage.page_fields)
    assert [field.name for field in dataclasses.fields(Article)] == declared
    assert SCHEMA["required"] == declared and list(SCHEMA["properties"]) == declared
    assert readme_record_table() == declared
    assert set(COVERED_FIELDS) <= set(declared) and "title" in COVERED_FIELDS
    first_url = min(EXPECTED)
    page = saved_page(ArticlePage, article_file(first_url), first_url)
    assert list(page.findings().value) == [f.name for f in ArticlePage.page_fields]


class OgTitlePage(ArticlePage):
    """A dated version of the article page, say: its title from ``og:title`` alone, and an edition besides."""

    @page_field("title", covered=True)
    def _og_title(self) -> Finding:
        return first(("og:title only", lambda: "The title by og:title"))

    @page_field("edition", required=False)
    def _edition(self) -> Finding:
        return first(("the edition", lambda: "second"))


class OwnTitleRule(ArticlePage):
    """A subclass that reads the title by its own method of the same name, undecorated."""

    def _title(self) -> Finding:
        return first(("its own rule", lambda: "The title by its own rule"))


def test_a_subclass_adds_or_overrides_a_field_and_its_base_keeps_its_own():
    """Fields are declared per class: a subclass's ``title`` is not a second ``title`` of every article page."""
    url = min(EXPECTED)
    assert ArticlePage.record_fields() == RECORD_FIELDS
    assert OgTitlePage.record_fields() == [
        *RECORD_FIELDS[:-2],
        "edition",
        "crawled_at",
        "capture",
    ]  # title keeps its place
    assert OwnTitleRule.record_fields() == RECORD_FIELDS
    base, dated, own = (saved_page(cls, article_file(url), url) for cls in (ArticlePage, OgTitlePage, OwnTitleRule))
    assert base.findings().value["title"].rule == "h1.article-title" and "edition" not in base.findings().value
    assert dated.findings().value["title"] == Finding("og:title only", "The title by og:title")
    assert list(dated.findings().value)[-1:] == ["edition"]
    assert own.findings().value["title"].rule == "its own rule"
    assert base.to_item(CRAWLED_AT).value.title == EXPECTED[url]["title"]
    assert own.to_item(CRAWLED_AT).value.title == "The title by its own rule"


def test_a_url_epoch_after_today_is_a_date_to_check_not_a_posting_date():
    """The year 3000 in the URL: logged and counted (``vok/invalid_date/posted``), the record written without it."""
    known = f"{SAMPLE_ORIGIN}/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"
    future = known.replace("1771539200", "32503680000")  # 3000-01-01
    response = HtmlResponse(future, body=article_file(known).read_bytes().replace(known.encode(), future.encode()))
    page = ArticlePage(response.selector, future, SAMPLE_ORIGIN)
    read = page.to_item(CRAWLED_AT)
    item, problems = read.value, read.problems
    assert item.url == future and item.posted is None and item.posted_at is None
    assert [problem.stat for problem in problems if problem.stat == stats.invalid_date("posted")] == [
        stats.invalid_date("posted")
    ]
    assert any("3000-01-01, after today" in problem.message for problem in problems)
    assert_valid_records([ItemAdapter(item).asdict()])
