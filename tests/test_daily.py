"""Daily runs: incremental, bounded by date, refreshed, and a health report that fails loudly."""

from __future__ import annotations

import json
import os
import sys

import pytest_twisted
from twisted.internet.utils import getProcessOutputAndValue

from tests.conftest import (
    ROOT,
    SAMPLE_SITE,
    comparable,
    crawl,
    expected_records,
    read_jsonl,
    serve,
)
from tests.fault_site import WRAPPER, FaultySite

CERAMIC = "/newstream/1771280000-381500825/ceramic-tea-set/"
NEW = "/newstream/1772999999-381500999/ceramic-tea-set-second-edition/"
NEW_TEASER = (
    '<div class="article-desc"><h4><a href="' + NEW + '">Ceramic Tea Set, second edition</a></h4>'
    '<p class="articled-date"><span>March 06, 2026</span></p><p class="excerpt">A second set.</p></div>\n'
).encode()


def urls(path):
    return [record["url"] for record in read_jsonl(path)]


@pytest_twisted.inlineCallbacks
def test_an_interrupted_first_crawl_then_a_normal_run_leave_no_gap(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/", CLOSESPIDER_ITEMCOUNT=3)
    assert crawler.stats.get_value("finish_reason") == "closespider_itemcount"
    first = set(urls(corpus))
    assert json.loads((tmp_path / "vok.state.json").read_text())["complete"] is False
    sample_server.resource.hits.clear()
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/")
    assert sorted(urls(corpus)) == sorted(expected_records(sample_server.origin))  # each once
    assert not [url for url in first if url.removeprefix(sample_server.origin) in sample_server.resource.hits]
    assert crawler.stats.get_value("vok/listing/stopped_early") is None  # walked to the end
    assert json.loads((tmp_path / "vok.state.json").read_text())["complete"] is True


@pytest_twisted.inlineCallbacks
def test_a_new_article_at_the_head_costs_a_few_requests_and_refetches_nothing(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(corpus, f"{origin}/article/163/")
        site.rewrite = [
            ("/article/163/", WRAPPER, WRAPPER + NEW_TEASER),
            (NEW, CERAMIC.encode(), NEW.encode()),
            (NEW, b"Ceramic Tea Set", b"Ceramic Tea Set, second edition"),
        ]
        site.copies = {NEW: CERAMIC}
        site.hits.clear()
        crawler = yield crawl(corpus, f"{origin}/article/163/")
    first_slice = "/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=163&sort=&to=24"
    assert dict(site.hits) == {"/robots.txt": 1, "/article/163/": 1, NEW: 1, first_slice: 1}
    records = read_jsonl(corpus)
    assert len(records) == 21 and records[-1]["url"] == origin + NEW
    assert records[-1]["title"] == "Ceramic Tea Set, second edition"
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["articles"]["new"] == 1
    assert health["requests_per_new_article"] == 4.0  # robots.txt, listing, article, one slice
    assert crawler.stats.get_value("vok/requests_per_new_article") == 4.0


@pytest_twisted.inlineCallbacks
def test_since_bounds_the_crawl_by_posted_date(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}/article/163/", spider_args={"since": "2026-03-01"})
    wanted = {url for url, r in expected_records(sample_server.origin).items() if r["posted"] is None or r["posted"] >= "2026-03-01"}
    assert set(urls(corpus)) == wanted and len(wanted) == 12
    assert crawler.stats.get_value("vok/listing/stopped_early") == 1
    assert "/newstream/1770761600-381500819/evening-gala-of-youth-and-students-held/" not in sample_server.resource.hits


@pytest_twisted.inlineCallbacks
def test_refresh_fetches_known_articles_again_without_duplicating_the_corpus(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    yield crawl(corpus, f"{sample_server.origin}/article/163/")
    before = corpus.read_text()
    sample_server.resource.hits.clear()
    out = tmp_path / "refreshed.jsonl"
    args = ["-m", "scrapy", "crawl", "vok", "-a", f"start_url={sample_server.origin}/article/163/", "-a", "refresh=1",
            "-O", str(out), "-s", f"VOK_CORPUS={corpus}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    _, err, code = yield getProcessOutputAndValue(sys.executable, args, env=dict(os.environ), path=str(ROOT))
    assert code == 0, err.decode()[-2000:]
    assert corpus.read_text() == before
    assert comparable(read_jsonl(out)) == comparable(expected_records(sample_server.origin).values())


@pytest_twisted.inlineCallbacks
def test_a_broken_layout_ends_the_run_with_its_own_reason_and_a_non_zero_exit(tmp_path):
    redesigned = FaultySite(SAMPLE_SITE, rewrite=[("/newstream/", b"article-title", b"post-heading"),
                                                  ("/newstream/", b"article-content", b"post-text")])
    with serve(redesigned) as origin:
        corpus = tmp_path / "vok.jsonl"
        args = ["-m", "scrapy", "crawl", "vok", "-a", f"start_url={origin}/article/163/", "-s", f"VOK_CORPUS={corpus}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        _, err, code = yield getProcessOutputAndValue(sys.executable, args, env=dict(os.environ), path=str(ROOT))
    assert code == 1, err.decode()[-2000:]
    assert b"The site's layout looks broken" in err
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == "layout_broken"
    assert any("have no title" in problem for problem in health["layout_problems"])
    assert health["coverage"]["title"] == 0.0


@pytest_twisted.inlineCallbacks
def test_a_listing_without_teasers_is_a_broken_layout_too(tmp_path):
    cards = [(prefix, b"article-desc", b"story-card") for prefix in ("/article/", "/wp-admin/")]
    with serve(FaultySite(SAMPLE_SITE, rewrite=cards)) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/")
    assert crawler.stats.get_value("finish_reason") == "layout_broken"
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["layout_problems"] == ["listing pages were fetched but no teaser was found on them"]


@pytest_twisted.inlineCallbacks
def test_the_health_report_of_a_normal_run(sample_server, tmp_path):
    yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}/article/163/")
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == "finished"
    assert health["pages_fetched"] == 26  # robots.txt, listing, 2 slices, 21 articles, the 404 (not the retried 503)
    assert health["articles"] == {"new": 20, "already_known": 0, "dropped": {"other_source": 1}}
    assert health["coverage"] == {"title": 1.0, "published": 0.95, "posted": 0.95, "body": 1.0, "source_url": 0.95}
    assert health["errors"] == {"http_404": 1}
    assert health["invalid_dates"] == {"posted": 1, "published": 1, "teaser": 2}
    assert health["layout_problems"] == []
