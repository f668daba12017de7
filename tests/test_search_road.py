"""End to end, the search road by date (``-a published_from/published_to``) on loopback copies of the samples.

Each test serves the samples (or a copy whose markup or answers are changed
the way a held-out site of 2026 changed them) and runs the real crawl: the
source id found wherever the anatomy allows it, a search whose markup or
dates the crawler cannot trust, and periods of any length.
"""

from __future__ import annotations

import json
import re

import pytest_twisted

from tests.conftest import COOKIES, SAMPLE_SITE, comparable, crawl, expected_records, read_jsonl, serve
from tests.fault_site import FaultySite
from vok_crawler.finish_reasons import PAGINATION_NOT_FOUND
from vok_crawler.sample_site import SOURCE_ID

SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
LISTING = "/article/163/"
PERIOD = {"published_from": "2011-07-14", "published_to": "2011-07-17"}  # four days of the back catalogue
DAYS = 4
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
