"""End to end, the search road by date (``-a published_from/published_to``) on loopback copies of the samples.

Each test serves the samples (or a copy whose markup or answers are changed
the way a held-out site of 2026 changed them) and runs the real crawl: the
source id found wherever the anatomy allows it, a search whose markup or
dates the crawler cannot trust, and periods of any length.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest_twisted

from tests.conftest import (
    COOKIES,
    SAMPLE_SITE,
    comparable,
    crawl,
    crawl_args,
    expected_records,
    read_jsonl,
    scrapy_output,
    serve,
)
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.finish_reasons import LAYOUT_BROKEN, PAGINATION_NOT_FOUND, SEARCH_IGNORES_DATES
from vok_crawler.site.search import searched_day
from vok_crawler.tools.check_day import problems as check_day_problems
from vok_crawler.tools.check_day import warnings as check_day_warnings
from vok_crawler.tools.sample_site import SOURCE_ID, SampleSite

SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
LISTING = "/article/163/"
PERIOD = {"published_from": "2011-07-14", "published_to": "2011-07-17"}  # four days of the back catalogue
DAYS = 4
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # check_day's clock, where its age check must pass
# Every way a page of the samples names the source id: the controls' data-id and their slice URLs.
NO_ID_IN_CONTROLS = ("/", re.compile(rb'data-id="\d+"|&amp;id=\d+'), b"")
# The slice's parameters in an inline script, the id first, as a held-out site of 2026 prints them.
ID_IN_SCRIPT = (
    LISTING,
    b"</body>",
    b'<script>var kw_src = {"id":%s,"source":"163","action":"get_cat_by_source","from":12,"to":12};</script></body>'
    % SOURCE_ID.encode(),
)


def assert_period_read(records: list[dict], origin: str, full_days: list[str]) -> None:
    """The records are the samples' own for articles published in PERIOD: every one, but what a full day hid."""
    first, last = PERIOD["published_from"], PERIOD["published_to"]
    expected = expected_records(origin)
    wanted = {url for url, r in expected.items() if r["published"] and first <= r["published"] <= last}
    assert comparable(records) == comparable(expected[r["url"]] for r in records)
    got = {r["url"] for r in records}
    assert got <= wanted and len(got) == len(records) >= 3
    assert {expected[url]["published"] for url in wanted - got} <= set(full_days) == {"2011-07-15"}


def requests_asked(site: FaultySite) -> dict[str, int]:
    kinds = {"search": 0, "article": 0, "slice": 0, "other": 0}
    for uri, count in site.hits.items():
        kind = "search" if uri.startswith("/?") else "article" if uri.startswith("/newstream/") else "other"
        kinds["slice" if "admin-ajax" in uri else kind] += count
    return kinds


@pytest_twisted.inlineCallbacks
def test_the_search_road_reads_the_source_id_from_the_slices_parameters_in_a_script_in_any_order(tmp_path):
    site = FaultySite(SAMPLE_SITE, rewrite=[NO_ID_IN_CONTROLS, ID_IN_SCRIPT])
    with serve(site) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, PERIOD, **SUBSCRIBER)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert crawler.stats.get_value("finish_reason") == "finished", health
    records = read_jsonl(tmp_path / "vok.jsonl")
    assert_period_read(records, origin, health["search"]["full_days"])
    asked = requests_asked(site)
    assert asked == {"search": DAYS, "article": len(records), "slice": 0, "other": 2}  # robots.txt, the listing
    assert all(f"source={SOURCE_ID}&" in uri for uri in site.hits if uri.startswith("/?"))


@pytest_twisted.inlineCallbacks
def test_the_search_road_takes_the_source_id_from_an_articles_control_when_the_start_page_shows_none(tmp_path):
    no_id_on_the_listing = (LISTING, re.compile(rb'data-id="\d+"'), b"")
    site = FaultySite(SAMPLE_SITE, rewrite=[no_id_on_the_listing])
    with serve(site) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, PERIOD, **SUBSCRIBER)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert crawler.stats.get_value("finish_reason") == "finished", health
    records = read_jsonl(tmp_path / "vok.jsonl")
    assert_period_read(records, origin, health["search"]["full_days"])
    # One article of the listing more than the records: the one read for its "More From" control.
    assert requests_asked(site) == {"search": DAYS, "article": len(records) + 1, "slice": 0, "other": 2}
    assert health["articles"]["dropped"] == {"outside_period": 1}  # that article, of 2026


@pytest_twisted.inlineCallbacks
def test_the_search_road_with_no_source_id_anywhere_stops_after_one_article_and_says_so(tmp_path):
    site = FaultySite(SAMPLE_SITE, rewrite=[NO_ID_IN_CONTROLS])
    with serve(site) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, PERIOD, **SUBSCRIBER)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert crawler.stats.get_value("finish_reason") == PAGINATION_NOT_FOUND
    assert requests_asked(site) == {"search": 0, "article": 1, "slice": 0, "other": 2}
    [problem] = [p for p in health["layout_problems"] if "source id" in p]
    assert "More From control of" in problem and "-a source_id=K" in problem


class SearchIgnoringDates(SampleSite):
    """A server whose search answers every day alike: the newest teasers of the source, whatever the dates."""

    def _search(self, request):
        request.args.pop(b"start", None)
        request.args.pop(b"end", None)
        return super()._search(request)


def search_hits(site: SampleSite) -> list[str]:
    return [uri for uri in site.hits if uri.startswith("/?")]


@pytest_twisted.inlineCallbacks
def test_a_search_that_ignores_the_dates_ends_non_zero_and_writes_nothing_it_cannot_place_in_the_period(tmp_path):
    """The issue's case: every day answers the source's newest teasers, one of them with no published date."""
    corpus = tmp_path / "vok.jsonl"
    site = SearchIgnoringDates(SAMPLE_SITE)
    with serve(site) as origin:
        args = [arg for name, value in PERIOD.items() for arg in ("-a", f"{name}={value}")]
        _, err, code = yield scrapy_output(*crawl_args(origin + LISTING, corpus, *args, VOK_COOKIES_FILE=COOKIES))
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert code == 1, err.decode()[-3000:]
    assert health["finish_reason"] == SEARCH_IGNORES_DATES
    assert not corpus.exists() or read_jsonl(corpus) == []  # neither the one of 2026 nor the one of no date
    assert health["articles"]["dropped"] == {"outside_period": 1, "published_unknown": 1}
    assert health["left_for_next_run"]["pending"] == 1  # the undated one, for a crawl of the listing
    [problem] = health["search"]["problems"]
    assert "ignores the dates" in problem
    assert len(search_hits(site)) == 2  # the second day showed the first day's teasers: no day after it
    assert "shows the very teasers it showed for 2011-07-17" in err.decode()
    assert check_day_problems(tmp_path / "vok.health.json", now=NOW) == [
        f"the last run of Voice of Korea (EN) (job None) ended 'search_ignores_dates': {problem}"
    ]


@pytest_twisted.inlineCallbacks
def test_a_search_whose_markup_changed_is_a_broken_layout_not_a_period_without_articles(tmp_path):
    site = SampleSite(SAMPLE_SITE)
    for entry in site.search_index:  # the results' blocks under another class: no rule reads them as teasers
        entry["block"] = entry["block"].replace('class="article-desc"', 'class="search-item"')
    with serve(site) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, PERIOD, **SUBSCRIBER)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert crawler.stats.get_value("finish_reason") == LAYOUT_BROKEN
    [problem] = health["search"]["problems"]
    assert "no teaser was read" in problem and problem in health["layout_problems"]
    # The 17th shows nothing, the 16th links an article and shows no teaser: no day before it is asked.
    assert [searched_day(origin + uri) for uri in search_hits(site)] == [date(2011, 7, 17), date(2011, 7, 16)]
    assert requests_asked(site)["article"] == 0


@pytest_twisted.inlineCallbacks
def test_a_record_of_no_published_date_is_left_by_the_search_road_to_the_listings_walk(tmp_path):
    """The search shows it on a day of the period; only its page could say whether it is, and it does not."""
    corpus = tmp_path / "vok.jsonl"
    undated = "/newstream/1772467200-381500833/national-sports-festival-opens/"
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        day = {"published_from": "2026-03-03", "published_to": "2026-03-03"}
        searched = yield crawl(corpus, origin + LISTING, day, **SUBSCRIBER)
        assert searched.stats.get_value("finish_reason") == "finished"
        assert searched.stats.get_value(stats.SKIPPED_PUBLISHED_UNKNOWN) == 1
        assert origin + undated not in {r["url"] for r in read_jsonl(corpus)} if corpus.exists() else True
        assert json.loads((tmp_path / "vok.state.json").read_text())["pending"] == [origin + undated]
        listed = yield crawl(corpus, origin + LISTING, **SUBSCRIBER)
    assert listed.stats.get_value("finish_reason") == "finished"
    [record] = [r for r in read_jsonl(corpus) if r["url"] == origin + undated]
    assert record["published"] is None and comparable([record]) == comparable([expected_records(origin)[record["url"]]])


def test_check_day_fails_on_the_searchs_problems_and_warns_of_its_full_days(tmp_path):
    path = tmp_path / "vok.health.json"
    path.write_text(
        json.dumps(
            {
                "job": "j",
                "finish_reason": "finished",
                "finished_at": "2026-11-24T06:20:00+00:00",
                "search": {"full_days": ["2011-07-15", "2011-07-21"], "problems": ["the search ignores the dates"]},
            }
        )
    )
    assert check_day_problems(path, now=NOW) == [
        "the last run's search road could not read its period: the search ignores the dates"
    ]
    assert check_day_warnings(path) == [
        (
            "the search showed a full page for 2 day(s) (2011-07-15, 2011-07-21): they may hold more articles "
            "than it showed; the listing's walk reads them when it reaches them"
        )
    ]
