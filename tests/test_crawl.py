"""End to end: the vok spider against the samples served on 127.0.0.1.

The server is real (twisted.web, in the test's reactor): it cuts slices from
the source's list under each reading of ``to``, answers 301 to a URL without
its trailing slash, 404 to the dead link, 503 once to one article, and shows
the NK Pro gate unless the subscriber's cookie is sent. The whole JSON Lines
output is compared with the expected records.
"""

from __future__ import annotations

import json
import logging

import pytest
import pytest_twisted

from tests.conftest import (
    COOKIES,
    FLAKY_PATH,
    SAMPLE_SITE,
    assert_valid_records,
    comparable,
    crawl,
    expected_records,
    read_jsonl,
    serve,
)
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET, SampleSite

GATES = json.loads((SAMPLE_SITE / "nkpro-gates.json").read_text())


def gated_urls(origin: str) -> set[str]:
    return {origin + path for path in GATES}


@pytest_twisted.inlineCallbacks
def test_a_subscribers_crawl_of_the_samples_writes_every_vok_article_once_and_nothing_else(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))

    records = read_jsonl(corpus)
    expected = expected_records(sample_server.origin)
    assert comparable(records) == comparable(expected.values())
    assert_valid_records(records)

    counters = crawler.stats.get_stats()
    assert counters["finish_reason"] == "finished"
    assert counters[stats.CORPUS_WRITTEN] == len(expected) == 47
    assert counters[stats.SKIPPED_OTHER_SOURCE] == 1
    assert counters[stats.error("http_404")] == 1  # the dead related link
    assert counters["retry/count"] == 1
    assert counters[stats.invalid_date("published")] == 1 and counters[stats.invalid_date("teaser")] >= 1
    assert stats.GATED not in counters
    state = json.loads((tmp_path / "vok.state.json").read_text())
    assert state["complete"] is True and state["pending"] == state["gated"] == []
    assert state["pagination"] == {"source_id": "190163", "slice_size": 12, "to_reading": "count"}


@pytest_twisted.inlineCallbacks
def test_without_cookies_gated_articles_give_no_record_and_wait_for_a_run_with_cookies(sample_server, tmp_path, caplog):
    corpus, origin = tmp_path / "vok.jsonl", sample_server.origin
    with caplog.at_level(logging.INFO):
        crawler = yield crawl(corpus, f"{origin}/article/163/")
    expected = expected_records(origin)
    assert {r["url"] for r in read_jsonl(corpus)} == set(expected) - gated_urls(origin)
    assert crawler.stats.get_value(stats.GATED) == 3 and crawler.stats.get_value("finish_reason") == "finished"
    assert "/free-member-form/" not in "".join(sample_server.resource.hits)  # a gate is judged, not followed
    state = json.loads((tmp_path / "vok.state.json").read_text())
    assert set(state["gated"]) == gated_urls(origin)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["articles"]["gated"] == 3 and health["left_for_next_run"]["gated"] == 3

    sample_server.resource.hits.clear()
    crawler = yield crawl(corpus, f"{origin}/article/163/")  # still no cookies: the gated ones are not asked for
    assert not gated_urls(origin) & {origin + uri for uri in sample_server.resource.hits}
    crawler = yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value(stats.CORPUS_WRITTEN) == 3
    assert comparable(read_jsonl(corpus)) == comparable(expected.values())
    assert json.loads((tmp_path / "vok.state.json").read_text())["gated"] == []


@pytest.mark.parametrize(
    ("to_reading", "slice_control", "loop"),
    [
        ("count", "none", False),
        ("end", "none", False),
        ("fixed", "none", False),
        ("count", "href", True),
        ("end", "data", False),
        ("fixed", "href", False),
    ],
)
@pytest_twisted.inlineCallbacks
def test_every_article_is_reached_whatever_the_server_makes_of_to_and_the_slices_controls(
    tmp_path, to_reading, slice_control, loop
):
    resource = SampleSite(SAMPLE_SITE, to_reading=to_reading, slice_control=slice_control, loop=loop)
    with serve(resource) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert comparable(read_jsonl(tmp_path / "vok.jsonl")) == comparable(expected_records(origin).values())
    slices = [uri for uri in resource.hits if "admin-ajax.php" in uri]
    assert all(resource.hits[uri] == 1 for uri in slices)
    assert len(slices) <= 5  # 33 blocks after the listing, in slices near the site's 12, and the empty end
    assert crawler.stats.get_value("finish_reason") == "finished"


@pytest_twisted.inlineCallbacks
def test_the_subscribers_cookie_reaches_the_site_and_no_output(sample_server, tmp_path, caplog):
    feed = tmp_path / "feed.jsonl"
    with caplog.at_level(logging.DEBUG):
        yield crawl(
            tmp_path / "vok.jsonl",
            f"{sample_server.origin}/article/163/",
            VOK_COOKIES_FILE=str(COOKIES),
            FEEDS={str(feed): {"format": "jsonlines"}},
            LOG_LEVEL="DEBUG",
        )
    assert len(read_jsonl(feed)) == 47  # the gates opened: the cookie was sent
    assert SUBSCRIBER_SECRET not in caplog.text
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert SUBSCRIBER_SECRET.encode() not in file.read_bytes(), file


@pytest_twisted.inlineCallbacks
def test_each_page_is_fetched_once_whatever_its_spellings(sample_server, tmp_path):
    yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    hits = sample_server.resource.hits
    pages = {uri: n for uri, n in hits.items() if uri != "/robots.txt"}
    assert pages.pop(FLAKY_PATH) == 2  # 503, then the retry
    assert set(pages.values()) == {1}
    assert not [uri for uri in pages if "utm_" in uri or "#" in uri or not (uri.endswith("/") or "?" in uri)]
    assert "/newstream/1772700000-381500840/sidebar-only-report/" not in pages  # linked from the sidebar only
    assert "/article/6/" not in pages and "/login/" not in pages  # navigation is not followed


@pytest_twisted.inlineCallbacks
def test_a_crawl_can_start_at_an_article_or_a_slice(sample_server, tmp_path):
    """From an article, its "More From" control leads to every slice; from a slice, what follows it."""
    origin = sample_server.origin
    expected = expected_records(origin)
    from_article = tmp_path / "article.jsonl"
    yield crawl(from_article, f"{origin}/newstream/1771280000-381500825/ceramic-tea-set", VOK_COOKIES_FILE=str(COOKIES))
    assert {r["url"] for r in read_jsonl(from_article)} == set(expected)
    from_slice = tmp_path / "slice.jsonl"
    start = f"{origin}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=24&to=12&sort=&id=190163"
    yield crawl(from_slice, start, VOK_COOKIES_FILE=str(COOKIES))
    deep = {r["url"] for r in read_jsonl(from_slice)}
    assert f"{origin}/newstream/1770588800-381500817/rural-schools-built/" in deep  # block 25, only in slices
    assert deep <= set(expected) and len(deep) < len(expected)


@pytest_twisted.inlineCallbacks
def test_a_second_run_of_an_unchanged_site_requests_only_the_first_listing_page(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    yield crawl(corpus, f"{sample_server.origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    first = corpus.read_text(encoding="utf-8")
    sample_server.resource.hits.clear()
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert corpus.read_text(encoding="utf-8") == first
    assert set(sample_server.resource.hits) == {"/robots.txt", "/article/163/"}
    assert crawler.stats.get_value(stats.ARTICLES_ALREADY_KNOWN) == 12
    assert crawler.stats.get_value(stats.LISTING_STOPPED_EARLY) == 1


@pytest_twisted.inlineCallbacks
def test_the_corpus_path_can_name_the_crawled_site(sample_server, tmp_path):
    """The default ``data/%(site)s/vok.jsonl`` keeps the corpora of two sites apart."""
    yield crawl(f"{tmp_path}/%(site)s/vok.jsonl", f"{sample_server.origin}/article/163/")
    site = sample_server.origin.removeprefix("http://").replace(":", "_")
    assert len(read_jsonl(tmp_path / site / "vok.jsonl")) == 47 - len(GATES)
    assert (tmp_path / site / "vok.state.json").exists() and (tmp_path / site / "vok.health.json").exists()


@pytest_twisted.inlineCallbacks
def test_a_listing_without_a_way_on_is_no_broken_layout_when_an_article_shows_one(tmp_path):
    """The listing's button has lost its data; the articles' "More From" links still lead to every slice."""
    site = FaultySite(SAMPLE_SITE, rewrite=[("/article/163/", b'data-from="12" data-to="12" data-id="190163"', b"")])
    with serve(site) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert comparable(read_jsonl(tmp_path / "vok.jsonl")) == comparable(expected_records(origin).values())
