"""End to end: the vok spider against the samples served on 127.0.0.1.

The server is real (twisted.web, in the test's reactor): it answers 301 to a
URL without its trailing slash, 404 to the dead link and 503 once to one
article. The whole JSON Lines output is compared with the expected records.
"""

from __future__ import annotations

import logging
import re

import pytest_twisted

from tests.conftest import (
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


@pytest_twisted.inlineCallbacks
def test_crawl_of_the_samples_writes_every_vok_article_once_and_nothing_else(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/")

    records = read_jsonl(corpus)
    expected = expected_records(sample_server.origin)
    assert comparable(records) == comparable(expected.values())
    assert_valid_records(records)

    stats = crawler.stats.get_stats()
    assert stats["finish_reason"] == "finished"
    assert stats["vok/corpus/written"] == len(expected) == 20
    assert stats["vok/skipped/other_source"] == 1
    assert stats["vok/errors/http_404"] == 1  # the dead related link
    assert stats["retry/count"] == 1
    assert stats["vok/invalid_date/published"] == 1 and stats["vok/invalid_date/posted"] == 1


@pytest_twisted.inlineCallbacks
def test_each_page_is_fetched_once_whatever_its_spellings(sample_server, tmp_path):
    yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}/article/163/")
    hits = sample_server.resource.hits
    pages = {uri: n for uri, n in hits.items() if uri != "/robots.txt"}
    assert pages.pop(FLAKY_PATH) == 2  # 503, then the retry
    assert set(pages.values()) == {1}
    assert not [uri for uri in pages if "utm_" in uri or "#" in uri or not (uri.endswith("/") or "?" in uri)]
    assert "/newstream/1772700000-381500840/sidebar-only-report/" not in pages  # linked from the sidebar only
    assert "/article/6/" not in pages and "/login/" not in pages  # navigation is not followed
    assert len([uri for uri in pages if "admin-ajax.php" in uri]) == 2  # the loop back is not followed


@pytest_twisted.inlineCallbacks
def test_a_crawl_can_start_at_an_article_or_a_slice_without_its_trailing_slash(sample_server, tmp_path):
    """What the listing alone links is not reached from there; everything else is."""
    origin = sample_server.origin
    listing_only = {"national-sports-festival-opens"}
    unreached_from_slice = listing_only | {"kim-jong-un-inspects-new-greenhouse-farm", "letter-of-thanks-sent-to-kim-jong-un"}
    for start, unreached in (
        (f"{origin}/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm", listing_only),
        (f"{origin}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=24&sort=&id=163", unreached_from_slice),
    ):
        corpus = tmp_path / f"{len(start)}.jsonl"
        yield crawl(corpus, start)
        got = {record["url"] for record in read_jsonl(corpus)}
        assert got == {url for url in expected_records(origin) if url.split("/")[-2] not in unreached}


@pytest_twisted.inlineCallbacks
def test_a_second_run_of_an_unchanged_site_requests_only_the_first_listing_page(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    yield crawl(corpus, f"{sample_server.origin}/article/163/")
    first = corpus.read_text(encoding="utf-8")
    sample_server.resource.hits.clear()
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/")
    assert corpus.read_text(encoding="utf-8") == first
    assert set(sample_server.resource.hits) == {"/robots.txt", "/article/163/"}
    assert crawler.stats.get_value("vok/articles/already_known") == 12
    assert crawler.stats.get_value("vok/listing/stopped_early") == 1


@pytest_twisted.inlineCallbacks
def test_the_corpus_path_can_name_the_crawled_site(sample_server, tmp_path):
    """The default ``data/%(site)s/vok.jsonl`` keeps the corpora of two sites apart."""
    yield crawl(f"{tmp_path}/%(site)s/vok.jsonl", f"{sample_server.origin}/article/163/")
    site = sample_server.origin.removeprefix("http://").replace(":", "_")
    assert len(read_jsonl(tmp_path / site / "vok.jsonl")) == 20
    assert (tmp_path / site / "vok.state.json").exists() and (tmp_path / site / "vok.health.json").exists()


@pytest_twisted.inlineCallbacks
def test_a_long_crawl_logs_its_progress(tmp_path, caplog):
    """Scrapy's LogStats, on in the project's settings: pages, articles and their rates."""
    with serve(FaultySite(SAMPLE_SITE, delay=0.02)) as origin, caplog.at_level(logging.INFO):
        yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", LOGSTATS_INTERVAL=0.1)
    assert re.search(r"Crawled \d+ pages \(at \d+ pages/min\), scraped \d+ items \(at \d+ items/min\)", caplog.text)
