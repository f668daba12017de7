"""Daily runs: incremental, bounded by date, refreshed, and a health report that fails loudly.

Every crawl that must see every article is given the samples' subscriber
cookies (``COOKIES``); without them the samples' three NK Pro gates hold.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

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
from tests.fault_site import WRAPPER, FaultySite
from vok_crawler import stats
from vok_crawler.finish_reasons import LAYOUT_BROKEN, PAGINATION_NOT_FOUND, WALK_INCOMPLETE
from vok_crawler.site.slices import Slice
from vok_crawler.tools.sample_site import PAGE, SOURCE_ID

LISTING = "/article/163/"
GATES = json.loads((SAMPLE_SITE / "nkpro-gates.json").read_text())
CERAMIC = "/newstream/1771280000-381500825/ceramic-tea-set/"
NEW = "/newstream/1772999999-381500999/ceramic-tea-set-second-edition/"
NEW_TEASER = (
    '<div class="article-desc"><h4><a href="' + NEW + '">Ceramic Tea Set, second edition</a></h4>'
    '<p class="articled-date"><span>March 09, 2026</span></p><p class="excerpt">A second set.</p></div>\n'
).encode()
SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
# The listing's "More Articles" control with its source id gone, and every way to a slice gone from
# article pages: no href, no data-id, no slice URL anywhere.
NO_SLICE_ID = [
    (LISTING, re.compile(rb'\s*data-id="\d+"'), b""),
    ("/newstream/", re.compile(rb'<div class="load-more-wrap">.*?</div>', re.DOTALL), b""),
]


def urls(path):
    return [record["url"] for record in read_jsonl(path)]


def state_of(tmp_path) -> dict:
    return json.loads((tmp_path / "vok.state.json").read_text())


def utc_day(record: dict) -> str:
    return datetime.fromisoformat(record["posted_at"]).astimezone(timezone.utc).date().isoformat()


def slice_uri(start: int, to: int) -> str:
    """A slice's path and query as the server sees it, the crawler's own spelling."""
    return Slice(SOURCE_ID, start, to).url("http://127.0.0.1").removeprefix("http://127.0.0.1")


def scrapy_crawl(origin: str, corpus, *extra: str):
    """``scrapy crawl vok`` in a subprocess; a Deferred of (stdout, stderr, exit code)."""
    return scrapy_output(*crawl_args(f"{origin}{LISTING}", corpus, *extra, **QUICK))


@pytest_twisted.inlineCallbacks
def test_an_interrupted_first_crawl_then_a_normal_run_leave_no_gap(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}{LISTING}", CLOSESPIDER_ITEMCOUNT=3, **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "closespider_itemcount"
    first = set(urls(corpus))
    assert first and state_of(tmp_path)["complete"] is False
    sample_server.resource.hits.clear()
    crawler = yield crawl(corpus, f"{sample_server.origin}{LISTING}", **SUBSCRIBER)
    assert sorted(urls(corpus)) == sorted(expected_records(sample_server.origin))  # each once
    assert not [url for url in first if url.removeprefix(sample_server.origin) in sample_server.resource.hits]
    assert crawler.stats.get_value(stats.LISTING_STOPPED_EARLY) is None  # walked to the end
    assert state_of(tmp_path)["complete"] is True


@pytest_twisted.inlineCallbacks
def test_a_new_article_at_the_head_costs_a_few_requests_and_refetches_nothing(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
        known = len(read_jsonl(corpus))
        site.rewrite = [
            (LISTING, WRAPPER, WRAPPER + NEW_TEASER),
            (NEW, CERAMIC.encode(), NEW.encode()),
            (NEW, b"Ceramic Tea Set", b"Ceramic Tea Set, second edition"),
        ]
        site.copies = {NEW: CERAMIC}
        site.hits.clear()
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    # The listing's control says the next slice starts at its 12th block; the first crawl learned
    # that the server reads `to` as a count: one slice of the site's own size, all known, ends it.
    assert state_of(tmp_path)["pagination"] == {"source_id": SOURCE_ID, "slice_size": PAGE, "to_reading": "count"}
    assert dict(site.hits) == {"/robots.txt": 1, LISTING: 1, NEW: 1, slice_uri(PAGE, PAGE): 1}
    records = read_jsonl(corpus)
    assert len(records) == known + 1 == len(expected_records()) + 1 and records[-1]["url"] == origin + NEW
    assert records[-1]["title"] == "Ceramic Tea Set, second edition"
    assert records[-1]["posted"] == "2026-03-09"  # 1772999999 is 2026-03-08T19:59:59Z, the 9th in Korea
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["articles"]["new"] == 1
    assert health["requests_per_new_article"] == 4.0  # robots.txt, listing, article, one slice
    assert crawler.stats.get_value(stats.REQUESTS_PER_NEW_ARTICLE) == 4.0


@pytest_twisted.inlineCallbacks
def test_since_bounds_the_crawl_by_posted_date_in_korea_time(sample_server, tmp_path):
    # 2026-02-22 in Korea; `respected-comrade-...` was posted at 22:13 UTC on the 21st, the
    # 22nd in Korea: in by `posted`, out by a UTC day.
    since = "2026-02-22"
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{sample_server.origin}{LISTING}", spider_args={"since": since}, **SUBSCRIBER)
    expected = expected_records(sample_server.origin)
    wanted = {url for url, r in expected.items() if r["posted"] >= since}
    assert set(urls(corpus)) == wanted and len(wanted) < len(expected)
    # At least one of them is of the day before by UTC: the bound is the Korean day.
    assert [url for url in wanted if utc_day(expected[url]) < since]
    assert crawler.stats.get_value(stats.LISTING_STOPPED_EARLY) == 1
    # Nothing posted before `since` is asked for: neither the pinned article nor a deep slice.
    older = {url.removeprefix(sample_server.origin) for url in expected if url not in wanted}
    assert not older & set(sample_server.resource.hits)
    end = len(sample_server.resource.lists[SOURCE_ID])  # the empty slice past the end of the source's list
    assert not [uri for uri in sample_server.resource.hits if f"from={end}&" in uri]
    # A bounded run never says the walk is complete: the next run without `since` walks it all.
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert state_of(tmp_path)["complete"] is False


@pytest_twisted.inlineCallbacks
def test_a_since_run_on_a_walk_never_completed_stays_incomplete(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, slice_faults={3 * PAGE: "down"})
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", RETRY_TIMES=1, VOK_RETRY_BACKOFF_BASE=0, **SUBSCRIBER)
        assert crawler.stats.get_value("finish_reason") == WALK_INCOMPLETE
        assert state_of(tmp_path)["complete"] is False  # a slice failed
        site.slice_faults.clear()
        crawler = yield crawl(corpus, f"{origin}{LISTING}", spider_args={"since": "2026-01-01"}, **SUBSCRIBER)
        assert crawler.stats.get_value("finish_reason") == "finished"
        since = {url for url, r in expected_records(origin).items() if r["posted"] >= "2026-01-01"}
        assert set(urls(corpus)) == since  # it read everything posted since, yet
        assert state_of(tmp_path)["complete"] is False  # a bounded run never completes a walk
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert state_of(tmp_path)["complete"] is True


@pytest_twisted.inlineCallbacks
def test_refresh_fetches_known_articles_again_without_duplicating_the_corpus(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    yield crawl(corpus, f"{sample_server.origin}{LISTING}", **SUBSCRIBER)
    before = corpus.read_text()
    sample_server.resource.hits.clear()
    out = tmp_path / "refreshed.jsonl"
    _, err, code = yield scrapy_crawl(
        sample_server.origin, corpus, "-a", "refresh=1", "-O", str(out), "-s", f"VOK_COOKIES_FILE={COOKIES}"
    )
    assert code == 0, err.decode()[-2000:]
    assert corpus.read_text() == before
    assert comparable(read_jsonl(out)) == comparable(expected_records(sample_server.origin).values())
    articles = [uri for uri in sample_server.resource.hits if uri.startswith("/newstream/")]
    assert {sample_server.origin + uri for uri in articles} >= set(expected_records(sample_server.origin))


@pytest_twisted.inlineCallbacks
def test_a_broken_layout_writes_no_record_ends_the_run_with_its_own_reason_and_keeps_every_page_pending(tmp_path):
    redesigned = FaultySite(
        SAMPLE_SITE,
        rewrite=[("/newstream/", b"article-title", b"post-heading"), ("/newstream/", b"article-content", b"post-text")],
    )
    with serve(redesigned) as origin:
        corpus = tmp_path / "vok.jsonl"
        _, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}")
        assert code == 1, err.decode()[-2000:]
        assert b"The site's layout looks broken" in err
        assert b"no body element found by any rule" in err
        health = json.loads((tmp_path / "vok.health.json").read_text())
        assert health["finish_reason"] == LAYOUT_BROKEN
        # The title is still found by a fallback (<title>), but no rule finds the body element: no
        # record with an empty body, each page counted and kept to be read again.
        assert not corpus.exists() or read_jsonl(corpus) == []
        voice_of_korea = set(expected_records(origin))
        assert any("had no body element or no title" in problem for problem in health["layout_problems"])
        assert set(state_of(tmp_path)["pending"]) >= voice_of_korea
        assert health["left_for_next_run"]["pending"] >= len(voice_of_korea)
        assert state_of(tmp_path)["complete"] is False

        redesigned.rewrite.clear()  # the page objects understand the pages again
        _, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}")
    assert code == 0, err.decode()[-2000:]
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin).values())
    assert state_of(tmp_path)["pending"] == []


@pytest_twisted.inlineCallbacks
def test_a_listing_without_teasers_is_a_broken_layout_too(tmp_path):
    cards = [(prefix, b"article-desc", b"story-card") for prefix in (LISTING, "/wp-admin/")]
    with serve(FaultySite(SAMPLE_SITE, rewrite=cards)) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}{LISTING}")
    assert crawler.stats.get_value("finish_reason") == LAYOUT_BROKEN
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["layout_problems"] == ["listing pages were fetched but no teaser was found on them"]


@pytest_twisted.inlineCallbacks
def test_a_listing_with_no_way_to_its_slices_is_pagination_not_found_unless_the_source_id_is_given(tmp_path):
    site = FaultySite(SAMPLE_SITE, rewrite=NO_SLICE_ID)
    with serve(site) as origin:
        corpus = tmp_path / "walk" / "vok.jsonl"
        _, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}")
        assert code == 1, err.decode()[-2000:]
        assert not [uri for uri in site.hits if uri.startswith("/wp-admin/")]  # no slice could be asked for
        health = json.loads((corpus.parent / "vok.health.json").read_text())
        assert health["finish_reason"] == PAGINATION_NOT_FOUND
        assert any("source_id" in problem for problem in health["layout_problems"])
        assert json.loads((corpus.parent / "vok.state.json").read_text())["complete"] is False
        assert len(read_jsonl(corpus)) < len(expected_records())  # never taken for the whole source

        given = tmp_path / "given" / "vok.jsonl"
        crawler = yield crawl(given, f"{origin}{LISTING}", spider_args={"source_id": SOURCE_ID}, **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert comparable(read_jsonl(given)) == comparable(expected_records(origin).values())
    assert json.loads((given.parent / "vok.state.json").read_text())["complete"] is True


@pytest_twisted.inlineCallbacks
def test_the_health_report_of_a_normal_run_without_cookies(sample_server, tmp_path):
    yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}{LISTING}")
    health = json.loads((tmp_path / "vok.health.json").read_text())
    origin = sample_server.origin
    gated = {origin + path for path in GATES}
    records = [r for url, r in expected_records(origin).items() if url not in gated]
    n = len(records)

    def share(field):
        return round(sum(1 for r in records if r[field]) / n, 3)

    assert health["finish_reason"] == "finished"
    # robots.txt, the listing, the slices that hold teasers and the empty one past the end, every
    # article page (the page of another source included), the 404; not the retried 503, nor
    # the gates' redirects (given up on before they reach the spider).
    slices = [uri for uri in sample_server.resource.hits if uri.startswith("/wp-admin/")]
    assert slices and all(sample_server.resource.hits[uri] == 1 for uri in slices)
    pages = 1 + 1 + len(slices) + n + 1 + 1
    assert health["pages_fetched"] == pages + (1 if "paywall" in GATES.values() else 0)
    assert health["articles"] == {"new": n, "already_known": 0, "gated": len(GATES), "dropped": {"other_source": 1}}
    assert health["coverage"] == {
        "title": 1.0,
        "published": share("published"),
        "posted": 1.0,
        "body": 1.0,
        "source_url": share("source_url"),
    }
    assert health["errors"] == {"http_404": 1}
    assert health["invalid_dates"]["published"] == sum(1 for r in records if r["published"] is None)
    assert health["invalid_dates"]["teaser"] >= 1
    assert health["pagination"] | {"routes": None} == {
        "source_id": SOURCE_ID,
        "slice_size": PAGE,
        "to_reading": "count",
        "routes": None,
    }
    assert health["pagination"]["routes"]["data"] >= 1  # the listing's script-driven control
    assert health["refusals"] == 0
    assert health["layout_problems"] == []
    assert health["left_for_next_run"] == {"pending": 0, "gated": len(GATES)}
    assert_the_dates_are_counted(health, records)
    state = json.loads((tmp_path / "vok.state.json").read_text())
    assert state["complete"] is True and set(state["gated"]) == gated and state["pending"] == []


def assert_the_dates_are_counted(health: dict, records: list[dict]) -> None:
    """The back catalogue (posted years after it was published) and the dates to check, from the records."""
    dated = [r for r in records if r["published"] and r["posted"]]
    back = [r for r in dated if date.fromisoformat(r["posted"]) - date.fromisoformat(r["published"]) > timedelta(30)]
    assert health["dates"] == {
        "back_catalogue": len(back),
        "published_after_posted": sum(1 for r in dated if r["published"] > r["posted"]),
        "published_before_1990": sum(1 for r in dated if r["published"] < "1990-01-01"),
    }
    assert len(back) >= 4 and health["dates"]["published_after_posted"] >= 1
    assert health["teasers_without_text"] == 0
    assert health["search"] == {"days": 0, "teasers": 0, "full_days": [], "problems": []}
