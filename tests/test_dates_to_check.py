"""Dates to check, at their limits: the crawl's ``published`` before 1990, the report's days outside 1990 to today.

Each limit is tried at its exact value and the next one: 1990-01-01 and the
day before, today (in Korea time, the crawl's) and tomorrow, a gap of 30
days and of 31 (the back catalogue).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from vok_crawler import stats
from vok_crawler.site.problems import Problem
from vok_crawler.site.processors import EARLIEST_PUBLISHED, IsoDate, date_gap, parse_day_first
from vok_crawler.tools.coverage import CorpusCount
from vok_crawler.tools.figures import Gap

KOREA_TODAY = datetime.now(timezone(timedelta(hours=9))).date()
URL = "http://127.0.0.1/newstream/1-2/x/"


def published_problems(raw: str) -> tuple[str | None, list[Problem]]:
    problems: list[Problem] = []
    processor = IsoDate(parse_day_first, "published", too_early=stats.RECORDS_PUBLISHED_BEFORE_1990)
    return processor([raw], {"url": URL, "problems": problems}), problems


def test_a_published_date_on_the_first_day_of_1990_is_no_date_to_check():
    assert published_problems("01/01/1990") == ("1990-01-01", [])


def test_a_published_date_before_1990_is_kept_and_is_a_date_to_check():
    value, problems = published_problems("14/03/0025")
    assert value == "0025-03-14"  # the record still says what the page says
    assert problems == [
        Problem(
            stats.RECORDS_PUBLISHED_BEFORE_1990,
            f"The published date '14/03/0025' on {URL} is before 1990: kept as the page gives it, a date to check",
        )
    ]
    assert published_problems("31/12/1989")[1][0].stat == stats.RECORDS_PUBLISHED_BEFORE_1990


@pytest.mark.parametrize(
    ("published", "posted", "gap"),
    [
        ("2026-01-01", "2026-01-31", None),  # 30 days: a late posting of the current stream
        ("2026-01-01", "2026-02-01", "back_catalogue"),  # 31 days
        ("2026-01-02", "2026-01-01", "published_after_posted"),
        ("1990-01-01", "2026-01-01", "back_catalogue"),
        ("1989-12-31", "2026-01-01", None),  # a date to check, counted where it is read: no back catalogue
        ("0025-03-14", "2026-02-12", None),
        (None, "2026-01-01", None),
    ],
)
def test_date_gap(published, posted, gap):
    assert date_gap(published, posted) == gap


def record(n: int, published: str | None, posted: str | None) -> dict:
    return {
        "url": f"https://kcnawatch.org/newstream/{n}-{n}/a/",
        "title": f"A{n}",
        "published": published,
        "posted": posted,
    }


def counted(*records: dict):
    count = CorpusCount()
    for item in records:
        count.add(item)
    return count.figures()


def test_a_day_outside_1990_to_today_is_a_date_to_check_and_on_no_chart():
    tomorrow, before = KOREA_TODAY + timedelta(days=1), EARLIEST_PUBLISHED - timedelta(days=1)
    figures = counted(
        record(1, str(EARLIEST_PUBLISHED), str(EARLIEST_PUBLISHED)),
        record(2, str(KOREA_TODAY), str(KOREA_TODAY)),
        record(3, str(before), "2026-01-01"),
        record(4, str(tomorrow), str(KOREA_TODAY)),
        record(5, "2026-01-01", str(before)),
        record(6, "0025-03-14", "2026-02-12"),
    )
    assert figures.dates_to_check.count == 4
    assert sorted(article.check or "" for article in figures.dates_to_check.articles) == [
        "posted_out_of_range",
        *["published_out_of_range"] * 3,
    ]
    assert set(figures.published_by_day) == {str(EARLIEST_PUBLISHED), str(KOREA_TODAY), "2026-01-01"}
    assert set(figures.posted_by_day) == {str(EARLIEST_PUBLISHED), str(KOREA_TODAY), "2026-01-01", "2026-02-12"}
    assert figures.back_catalogue.count == 0  # 0025 is no import of the back catalogue
    # The stream: the plausible published days of the articles that are not of the back catalogue.
    assert (figures.current_stream.first, figures.current_stream.last) == (str(EARLIEST_PUBLISHED), str(KOREA_TODAY))
    assert figures.current_stream.articles == 3  # 1990-01-01, today, and 2026-01-01 (whose posted is to check)
    assert set(figures.by_year) == {f"{year:04d}" for year in range(1990, KOREA_TODAY.year + 1)}


def test_the_current_stream_starts_after_the_back_catalogue_and_its_gaps_are_runs_the_longest_first():
    figures = counted(
        record(1, "2011-07-15", "2017-03-13"),  # back catalogue: before the stream, not in it
        record(2, "2026-01-01", "2026-01-31"),  # 30 days late: the stream's first day
        record(3, "2026-01-03", "2026-01-04"),
        record(4, "2026-01-05", "2026-02-06"),  # 32 days late: back catalogue, but its day has an article
        record(5, "2026-01-07", "2026-01-08"),
        record(6, "2026-01-10", "2026-01-10"),
        record(7, None, "2026-01-12"),
    )
    assert (figures.current_stream.first, figures.current_stream.last) == ("2026-01-01", "2026-01-10")
    assert figures.current_stream.articles == 4
    assert figures.back_catalogue.count == 2
    assert figures.gaps == [
        Gap("2026-01-08", "2026-01-09", 2),
        Gap("2026-01-02", "2026-01-02", 1),  # of equal length, the earlier first
        Gap("2026-01-04", "2026-01-04", 1),
        Gap("2026-01-06", "2026-01-06", 1),
    ]
    assert figures.days_without_articles == 5
    assert figures.by_year["2011"] == {"current_stream": 0, "back_catalogue": 1}
    assert figures.by_year["2020"] == {"current_stream": 0, "back_catalogue": 0}  # every year between, at 0
    assert figures.by_year["2026"] == {"current_stream": 4, "back_catalogue": 1}


def test_a_corpus_of_the_back_catalogue_alone_has_no_current_stream():
    figures = counted(record(1, "2011-07-15", "2017-03-13"))
    assert figures.current_stream.first is None and figures.gaps == [] and figures.days_without_articles == 0
    assert date.fromisoformat(figures.first_posted or "") == date(2017, 3, 13)
