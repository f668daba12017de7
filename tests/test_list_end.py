"""The end of the list may be a 404: a slice past the end that answers "not found" ends the walk.

The anatomy allows a server to answer the slice past the end 404 or 410
instead of an empty slice. Against the samples served so, a whole walk
finishes (exit 0) with every article, and the next run with nothing new
asks for robots.txt and the listing only; any other failure there (a 503
for good), a 404 before any page of the walk held teasers, or one short of
the walk's next offset stays a failure.
"""

from __future__ import annotations

import json
import logging

import pytest
import pytest_twisted

from tests.conftest import (
    COOKIES,
    QUICK,
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
from vok_crawler.finish_reasons import PAGINATION_NOT_FOUND, WALK_INCOMPLETE
from vok_crawler.site.slices import Control, Slice, SliceWalk
from vok_crawler.tools.sample_site import PAGE, SOURCE_ID, SampleSite

LISTING = "/article/163/"
SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
BLOCKS = len(SampleSite(SAMPLE_SITE).lists[SOURCE_ID])  # the source's list: the slice at this offset is past the end


def state_of(corpus) -> dict:
    return json.loads(corpus.with_name("vok.state.json").read_text())


@pytest.mark.parametrize("status", [404, 410])
@pytest_twisted.inlineCallbacks
def test_a_slice_past_the_end_that_answers_not_found_ends_the_walk_and_the_rerun_asks_two_requests(
    tmp_path, caplog, status
):
    caplog.set_level(logging.INFO)
    corpus = tmp_path / "vok.jsonl"
    site = SampleSite(SAMPLE_SITE, end_status=status)
    with serve(site) as origin:
        crawler = yield crawl(corpus, origin + LISTING, **SUBSCRIBER)
        past_the_end = [uri for uri in site.hits if f"from={BLOCKS}&" in uri]
        site.hits.clear()
        _, err, code = yield scrapy_output(*crawl_args(origin + LISTING, corpus, VOK_COOKIES_FILE=COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin).values())
    assert crawler.stats.get_value(stats.LISTING_END_NOT_FOUND) == 1 and len(past_the_end) == 1
    assert f"The slice {origin}{past_the_end[0]} answered {status}: the end of the list" in caplog.text
    assert f"Giving up on {origin}{past_the_end[0]}" not in caplog.text  # no error: the end
    # The next day, nothing new: robots.txt and the listing, exit 0.
    assert code == 0, err.decode()[-3000:]
    assert sum(site.hits.values()) == 2 and set(site.hits) == {"/robots.txt", LISTING}
    assert state_of(corpus)["complete"] is True


@pytest_twisted.inlineCallbacks
def test_any_other_failure_of_the_slice_past_the_end_leaves_the_walk_incomplete(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, end_status=404, slice_faults={BLOCKS: "unavailable"})
    with serve(site) as origin:
        crawler = yield crawl(corpus, origin + LISTING, **SUBSCRIBER, **QUICK)
    assert crawler.stats.get_value("finish_reason") == WALK_INCOMPLETE
    assert crawler.stats.get_value(stats.LISTING_END_NOT_FOUND) is None
    assert state_of(corpus)["complete"] is False


@pytest_twisted.inlineCallbacks
def test_a_first_slice_not_found_on_a_whole_walk_is_no_source_of_twelve_articles(tmp_path):
    """A wrong source id answered 404, as past the end: the walk cannot tell them apart, and says so."""
    corpus = tmp_path / "vok.jsonl"
    site = SampleSite(SAMPLE_SITE, end_status=404)
    with serve(site) as origin:
        crawler = yield crawl(corpus, origin + LISTING, {"source_id": "5150"}, **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == PAGINATION_NOT_FOUND
    assert crawler.stats.get_value(stats.LISTING_END_NOT_FOUND) == 1
    records, expected = read_jsonl(corpus), expected_records(origin)
    assert comparable(records) == comparable(expected[r["url"]] for r in records) and len(records) < len(expected)
    assert state_of(corpus)["complete"] is False


@pytest_twisted.inlineCallbacks
def test_a_start_at_a_slice_that_is_not_found_is_a_failure(tmp_path):
    """Before any page of the walk held teasers, a 404 says nothing of the end."""
    corpus = tmp_path / "vok.jsonl"
    site = SampleSite(SAMPLE_SITE, end_status=404)
    with serve(site) as origin:
        start = Slice(SOURCE_ID, BLOCKS, PAGE).url(origin)
        crawler = yield crawl(corpus, start, **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") != "finished"
    assert crawler.stats.get_value(stats.LISTING_END_NOT_FOUND) is None
    assert crawler.stats.get_value(stats.error("http_404")) == 1


def test_not_found_is_the_end_at_the_frontier_and_beyond_only():
    walk = SliceWalk()
    walk.learn(Control(source_id=SOURCE_ID, start=PAGE, size=PAGE, route="data"), PAGE)
    assert not walk.ended(Slice(SOURCE_ID, PAGE, PAGE), "not found")  # no page of the walk held teasers yet
    walk.observe(None, [f"http://x/newstream/{n}-1/a/" for n in range(PAGE)])  # the listing: frontier 12
    walk.observe(Slice(SOURCE_ID, 12, 12), [f"http://x/newstream/{n}-1/a/" for n in range(12, 24)])  # frontier 24
    assert not walk.ended(Slice(SOURCE_ID, 23, 12), "not found") and not walk.reached_end  # short of the frontier
    assert walk.ended(Slice(SOURCE_ID, 24, 12), "not found") and walk.reached_end and walk.unfinished is None
    assert not walk.ended(Slice(SOURCE_ID, 23, 12), "not found")  # after the end too: no end short of the frontier
