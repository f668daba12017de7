"""Every loader processor, on every spelling the anatomy allows."""

import logging
from dataclasses import replace
from datetime import date

import pytest
from scrapy.utils.test import get_crawler

from vok_crawler import stats
from vok_crawler.items import RawTeaser, Teaser
from vok_crawler.site.problems import Problem, report
from vok_crawler.site.processors import (
    IsoDate,
    first_with_text,
    is_date_text,
    normalize_space,
    paragraphs,
    parse_day_first,
    parse_month_day_year,
    posted_date,
    posted_instant,
    to_teaser,
    unique_teasers,
)
from vok_crawler.site.text import LINE_BREAK, PARAGRAPH_BREAK


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Kim\tJong\n\nUn  ", "Kim Jong Un"),
        ("no\xa0break\xa0\xa0space", "no break space"),
        (f"The{LINE_BREAK}respected{PARAGRAPH_BREAK}Comrade", "The respected Comrade"),
        ("“김정은” — curly", "“김정은” — curly"),
        ("   ", ""),
        ("a" + "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "b", "a b"),  # every white space
    ],
)
def test_normalize_space(raw, clean):
    assert normalize_space(raw) == clean


def test_paragraphs_keep_br_lines_and_drop_empty_lines_and_paragraphs():
    raw = f"{PARAGRAPH_BREAK} first  one {PARAGRAPH_BREAK}\n \xa0{PARAGRAPH_BREAK}He said:{LINE_BREAK}\n  “quote”{LINE_BREAK}{LINE_BREAK}{PARAGRAPH_BREAK}"
    assert paragraphs(raw) == ["first one", "He said:\n“quote”"]
    assert paragraphs("") == []


@pytest.mark.parametrize(
    "raw",
    [
        "March 01, 2026Mar 01, 2026",  # the pair, glued
        "March 01, 2026 Mar 01, 2026",  # the pair, spaced
        f"March 01, 2026{PARAGRAPH_BREAK}Mar 01, 2026",
        "March 01, 2026",
        "Mar 01, 2026",
        "March 1, 2026",
        "Mar 1, 2026",
        "Mar. 1, 2026",
        "MARCH 1, 2026",
        "  Posted: March 1 2026 ",
    ],
)
def test_month_day_year_every_spelling(raw):
    assert parse_month_day_year(raw) == date(2026, 3, 1)


def test_month_day_year_short_month_names():
    assert parse_month_day_year("Sept 5, 2026") == date(2026, 9, 5)
    assert parse_month_day_year("Sep 05, 2026Sep 05, 2026") == date(2026, 9, 5)
    assert parse_month_day_year("Feb 28, 2026") == date(2026, 2, 28)


@pytest.mark.parametrize(
    "raw", ["February 30, 2026Feb 30, 2026", "Feb 29, 2026", "Smarch 1, 2026", "sometime in March", "", "13/03/2026"]
)
def test_month_day_year_that_is_no_date(raw):
    assert parse_month_day_year(raw) is None


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("14/03/2025", date(2025, 3, 14)),
        ("03/04/2025", date(2025, 4, 3)),  # day first, always
        ("3/4/2025", date(2025, 4, 3)),
        (" 29/02/2024 ", date(2024, 2, 29)),
        ("01.12.2025", date(2025, 12, 1)),
    ],
)
def test_day_first(raw, day):
    assert parse_day_first(raw) == day


@pytest.mark.parametrize("raw", ["31/02/2026", "29/02/2026", "14/13/2025", "00/01/2025", "March 1, 2026", "soon"])
def test_day_first_that_is_no_date(raw):
    assert parse_day_first(raw) is None


@pytest.mark.parametrize(
    ("url", "day", "instant"),
    [
        # checked on real URLs of the site: UTC would call the second one 2025-06-25
        ("https://kcnawatch.org/newstream/1652951538-123/x/", "2022-05-19", "2022-05-19T18:12:18+09:00"),
        ("https://kcnawatch.org/newstream/1750885366-456/y/", "2025-06-26", "2025-06-26T06:02:46+09:00"),
        ("http://127.0.0.1:8080/newstream/1741905900-381500815/normalized/", "2025-03-14", "2025-03-14T07:45:00+09:00"),
    ],
)
def test_posting_time_is_the_urls_epoch_in_korea_time(url, day, instant):
    assert posted_date(url) == day
    assert posted_instant(url) == instant


@pytest.mark.parametrize(
    "url",
    [
        "https://kcnawatch.org/article/163/",
        "https://kcnawatch.org/newstream/x-1/y/",
        "https://kcnawatch.org/newstream/99999999999999999999-1/z/",
    ],
)
def test_a_url_without_a_usable_epoch_has_no_posting_time(url):
    assert posted_date(url) is None and posted_instant(url) is None


def test_iso_date_gives_the_first_raw_date_as_iso():
    processor = IsoDate(parse_day_first, "published")
    problems: list[Problem] = []
    assert processor(["", "14/03/2025", "01/01/2000"], {"url": "http://x/", "problems": problems}) == "2025-03-14"
    assert processor([], {}) is None
    assert problems == []


def test_iso_date_returns_a_date_that_does_not_exist_as_a_problem():
    processor = IsoDate(parse_day_first, "published")
    problems: list[Problem] = []
    assert processor(["31/02/2026"], {"url": "http://127.0.0.1/newstream/1-2/x/", "problems": problems}) is None
    assert problems == [
        Problem(
            "vok/invalid_date/published", "Invalid published date '31/02/2026' on http://127.0.0.1/newstream/1-2/x/"
        )
    ]
    assert IsoDate(parse_month_day_year, "teaser")(["Feb 30, 2026"], {}) is None  # no list: nothing to tell


def test_problems_are_logged_and_counted_in_one_place(caplog):
    crawler = get_crawler()
    crawler.stats.open_spider()
    with caplog.at_level(logging.INFO):
        report(
            [
                Problem("vok/invalid_date/teaser", "Invalid teaser date 'x' on http://x/"),
                Problem("vok/links/not_web", "Ignoring", 20),
            ],
            crawler.stats,
        )
    assert "Invalid teaser date 'x' on http://x/" in caplog.text
    assert crawler.stats.get_value("vok/invalid_date/teaser") == 1 and crawler.stats.get_value("vok/links/not_web") == 1


def test_unique_teasers_keeps_the_first_of_each_and_never_the_page_itself():
    own = "http://x/newstream/1-1/own/"
    teasers = [
        Teaser(url="http://x/newstream/2-2/a/", title="first copy"),
        Teaser(url=own, title="the page itself"),
        Teaser(url=None, title="no link"),
        Teaser(url="http://x/newstream/3-3/b/", title="b"),
        Teaser(url="http://x/newstream/2-2/a/", title="second copy"),
    ]
    kept = unique_teasers(teasers, {"self_urls": {own}})
    assert [(t.url, t.title) for t in kept] == [
        ("http://x/newstream/2-2/a/", "first copy"),
        ("http://x/newstream/3-3/b/", "b"),
    ]
    assert unique_teasers([], {}) == []


def test_first_with_text_keeps_the_first_copy_that_has_text():
    assert first_with_text([None, "  ", f" The{LINE_BREAK}respected "]) == "The respected"
    assert first_with_text([]) is None


def test_to_teaser_keeps_one_copy_of_each_duplicated_value():
    raw = RawTeaser(
        url="http://x/newstream/1-1/a/",
        titles=(None, "Title from img alt"),  # no h4
        date="March 01, 2026Mar 01, 2026",
        teasers=("", "Teaser from the hover copy"),  # an empty p.excerpt
    )
    problems: list[Problem] = []
    assert to_teaser(raw, {"url": "http://x/", "problems": problems}) == Teaser(
        url="http://x/newstream/1-1/a/",
        title="Title from img alt",
        date="2026-03-01",
        teaser="Teaser from the hover copy",
    )
    bad = replace(raw, date="February 30, 2026")
    assert to_teaser(bad, {"url": "http://x/", "problems": problems}).date is None
    assert [problem.stat for problem in problems] == ["vok/invalid_date/teaser"]
    assert to_teaser(replace(raw, date=None), {}).date is None


def test_a_teaser_whose_text_no_rule_finds_is_a_problem_not_a_silent_null():
    problems: list[Problem] = []
    teaser = to_teaser(
        RawTeaser(url="http://x/newstream/1-1/a/", titles=("T",)), {"url": "http://x/", "problems": problems}
    )
    assert teaser.teaser is None
    assert [problem.stat for problem in problems] == [stats.TEASERS_WITHOUT_TEXT]
    assert "http://x/newstream/1-1/a/" in problems[0].message


@pytest.mark.parametrize(
    ("text", "is_date"),
    [
        (" March 14, 2022", True),
        ("March 01, 2026Mar 01, 2026", True),
        ("March 01, 2026 Mar 01, 2026", True),
        ("Mar 5, 2026", True),
        ("The festival took place on February 25, 2026 in Pyongyang.", False),
        ("Kim Jong Un", False),
    ],
)
def test_a_date_element_holds_a_date_and_nothing_else(text, is_date):
    assert is_date_text(text) is is_date
