"""A crawl through every fault the issues name: each is logged and counted, the crawl goes on,
and nothing the site refused is forgotten; a site that keeps refusing stops the crawl."""

from __future__ import annotations

import json
import logging
from collections import Counter
from urllib.parse import parse_qs, urlsplit

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
from tests.fault_site import WITH_EXTRA_TEASERS, FaultySite
from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.finish_reasons import ALL_GATED, BLOCKED, WALK_INCOMPLETE
from vok_crawler.settings import VOK_BLOCKED_AFTER
from vok_crawler.tools.sample_site import PAGE, SOURCE_ID, SUBSCRIBER_SECRET

LISTING = "/article/163/"
LISTING_HTML = (SAMPLE_SITE / "article/163/index.html").read_text(encoding="utf-8")
SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
FAULTS = {
    "/newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex/": "429",
    "/newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry/": "503",
    "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/": "500x2",
    "/newstream/1771452800-381500827/construction-of-hospitals-and-leisure-complexes-carried-on/": "hang",
    "/newstream/1771366400-381500826/successes-registered-in-salt-production/": "reset",
    "/newstream/1771280000-381500825/ceramic-tea-set/": "truncate",
    "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/": "charset",
    "/newstream/1771193600-381500824/congratulatory-group-of-koreans-in-japan-tours-different-places/": "huge",
}
HUGE = next(path for path, fault in FAULTS.items() if fault == "huge")
FAST_FAULTS = {
    "RETRY_TIMES": 3,
    "VOK_RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_TIMEOUT": 2,
    "DOWNLOAD_MAXSIZE": 100_000,
    "DOWNLOAD_WARNSIZE": 0,
}
# Two articles of the oldest slice, so that only the crawl's memory (not the walk) brings them back.
DEEP_403 = "/newstream/1769387760-381500705/foreign-ministry-delegation-leaves-for-visit/"
DEEP_BUSY = "/newstream/1768956060-381500710/orchard-management-improved-in-north-hwanghae/"


def state_of(corpus) -> dict:
    return json.loads(corpus.with_name("vok.state.json").read_text())


def listing_urls(origin: str) -> set[str]:
    """The Voice of Korea articles the listing page links (gated ones included)."""
    return {url for url in expected_records(origin) if url.removeprefix(origin) in LISTING_HTML}


def scrapy_crawl(origin: str, corpus, *extra: str):
    """``scrapy crawl vok`` in a subprocess, logging at DEBUG; a Deferred of (stdout, stderr, exit code)."""
    return scrapy_output(*crawl_args(f"{origin}{LISTING}", corpus, *extra, **QUICK, LOG_LEVEL="DEBUG"))


@pytest.fixture
def faulty_server():
    resource = FaultySite(SAMPLE_SITE, FAULTS, rewrite=[WITH_EXTRA_TEASERS], loop=True)
    with serve(resource) as origin:
        yield origin, resource


def assert_retried_as_asked(counters: dict, site: FaultySite, log: str) -> None:
    """429 and 503 no sooner than Retry-After said (1 s); 500 twice, a timeout, a reset and a truncated body with backoff."""
    for fault in ("429", "503"):
        path = next(p for p, f in FAULTS.items() if f == fault)
        first, second = site.times[path][:2]
        assert second - first >= 0.9
    assert counters[stats.retry("retry_after")] == 2
    assert "(retry-after)" in log
    assert counters[stats.retry("backoff")] >= 5
    assert counters["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    assert counters["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] == 1
    assert any(
        "Connection" in key or "DownloadFailed" in key for key in counters if key.startswith("retry/reason_count/")
    )


def assert_links_and_loops_not_followed(counters: dict, site: FaultySite, log: str) -> None:
    """The redirect off the site, javascript: and mailto:, and the "More Articles" loop back (each slice asked once)."""
    assert counters[stats.REDIRECTS_OFF_SITE] == counters[stats.error("ignored")] == 1
    assert "redirect off the site, to http://127.0.0.2:" in log
    assert "/newstream/1-1/elsewhere/" not in str(site.hits)
    assert counters[stats.LINKS_NOT_WEB] == 2
    assert "Ignoring javascript: link" in log and "Ignoring mailto: link" in log
    assert counters[stats.SLICE_SEEN_AGAIN] >= 1
    assert "points back to offset 12" in log
    slices = Counter(parse_qs(urlsplit(uri).query)["from"][0] for uri in site.hits if uri.startswith("/wp-admin/"))
    assert slices and set(slices.values()) == {1}
    assert not [uri for uri in site.hits if "die=true&action=" in uri]


@pytest_twisted.inlineCallbacks
def test_every_fault_is_survived_logged_and_counted(faulty_server, tmp_path, caplog):
    origin, site = faulty_server
    corpus = tmp_path / "vok.jsonl"
    with caplog.at_level(logging.INFO):
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **FAST_FAULTS, **SUBSCRIBER)
    counters = crawler.stats.get_stats()
    log = caplog.text

    # Everything but the page over DOWNLOAD_MAXSIZE is there, exactly as expected (the
    # mis-labelled page included, Korean and curly quotes intact).
    expected = expected_records(origin)
    del expected[origin + HUGE]
    assert comparable(read_jsonl(corpus)) == comparable(expected.values())
    assert counters["finish_reason"] == "finished"

    assert_retried_as_asked(counters, site, log)
    # The lying charset header.
    assert counters[stats.CHARSET_OVERRIDDEN] == 1
    assert "header says charset cp1252, the page says utf-8" in log
    # Over DOWNLOAD_MAXSIZE: given up, logged, counted, and asked for again next run.
    assert counters[stats.error("too_large")] == 1
    assert f"Giving up on {origin}{HUGE}: too_large" in log
    state = state_of(corpus)
    assert origin + HUGE in state["pending"] and state["skipped"] == sorted(
        [
            origin + "/newstream/1770000000-381500800/withdrawn-report/",
            origin + "/newstream/1772300000-990010/kcna-commentary-on-sanctions/",
        ]
    )
    assert_links_and_loops_not_followed(counters, site, log)
    # The health report says it all.
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["errors"] == {"too_large": 1, "http_404": 1, "ignored": 1}
    assert health["left_for_next_run"]["gated"] == 0


@pytest_twisted.inlineCallbacks
def test_an_article_that_stays_down_is_fetched_by_the_next_run(tmp_path):
    path = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"
    corpus = tmp_path / "vok.jsonl"
    down = FaultySite(SAMPLE_SITE, {path: "down"})
    with serve(down) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK, **SUBSCRIBER)
        assert crawler.stats.get_value(stats.error("http_5xx")) == 1
        assert state_of(corpus)["pending"] == [origin + path]
        assert state_of(corpus)["complete"] is True  # the walk itself went to the end
        down.faults.clear()  # the site is back
        down.hits.clear()
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    # The pending page is asked for; the walk stops at the first slice with nothing new (the
    # page of another source and the dead link, skipped last time, are not asked for again).
    first_slice = next(uri for uri in down.hits if uri.startswith("/wp-admin/"))
    assert parse_qs(urlsplit(first_slice).query)["from"] == [str(PAGE)]
    assert set(down.hits) == {"/robots.txt", LISTING, path, first_slice}
    assert sorted(r["url"] for r in read_jsonl(corpus)) == sorted(expected_records(origin))
    assert state_of(corpus)["pending"] == []


@pytest_twisted.inlineCallbacks
def test_a_403_and_a_200_busy_page_are_pending_not_written_nor_skipped_and_fetched_next_run(tmp_path, caplog):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, {DEEP_403: "403", DEEP_BUSY: "busy"})
    with serve(site) as origin:
        with caplog.at_level(logging.INFO):
            crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK, **SUBSCRIBER)
        counters = crawler.stats.get_stats()
        assert counters["finish_reason"] == "finished"  # two refusals are no block
        assert counters[stats.error("http_403")] == 1
        assert counters[stats.PAGES_UNRECOGNIZED] == 1 and counters[stats.REFUSALS] == 2
        assert f"Unrecognized page {origin}{DEEP_BUSY}" in caplog.text
        written = {r["url"] for r in read_jsonl(corpus)}
        assert origin + DEEP_403 not in written and origin + DEEP_BUSY not in written
        state = state_of(corpus)
        assert state["pending"] == sorted([origin + DEEP_403, origin + DEEP_BUSY])
        assert origin + DEEP_403 not in state["skipped"] and origin + DEEP_BUSY not in state["skipped"]
        assert state["complete"] is True  # the walk went to the end: only the memory brings them back

        site.faults.clear()  # the site is healthy again
        site.hits.clear()
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert site.hits[DEEP_403] == site.hits[DEEP_BUSY] == 1
    assert not [uri for uri in site.hits if uri.startswith("/wp-admin/")]  # the walk stopped at the listing
    assert sorted(r["url"] for r in read_jsonl(corpus)) == sorted(expected_records(origin))  # each once
    assert state_of(corpus)["pending"] == []


@pytest.mark.parametrize("status", [403, 429, 200], ids=["403", "429-retry-after-0", "200-access-denied-page"])
@pytest_twisted.inlineCallbacks
def test_a_site_that_keeps_refusing_stops_the_crawl_and_forgets_nothing(tmp_path, status):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    # Everything after the listing is refused: 403, 429 (Retry-After: 0), or a 200 page that is
    # neither article, listing nor gate.
    site.refuse = (status, {"/robots.txt", LISTING})
    with serve(site) as origin:
        _, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}")
        log = err.decode()
        assert code != 0, log[-3000:]
        assert "(blocked)" in log
        assert f"refused {VOK_BLOCKED_AFTER} requests in a row" in log
        health = json.loads((tmp_path / "vok.health.json").read_text())
        state = state_of(corpus)
        assert health["finish_reason"] == state["finish_reason"] == BLOCKED
        assert health["refusals"] >= VOK_BLOCKED_AFTER
        assert not corpus.exists() or read_jsonl(corpus) == []
        # It stopped by itself, before it had asked for every teaser of the listing as often as
        # its retries allow (403 is not retried; 429 is, once, after Retry-After: 0) ...
        tries = 1 + (status == 429)
        asked = sum(n for uri, n in site.hits.items() if uri.startswith("/newstream/"))
        assert asked < len(listing_urls(origin)) * tries
        # ... and every one of them, asked or not, is left for the next run.
        assert set(state["pending"]) >= listing_urls(origin)
        assert state["complete"] is False and state["skipped"] == []
        assert health["left_for_next_run"]["pending"] == len(state["pending"])  # the report says so too

        site.refuse = None  # the block is lifted
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    records = read_jsonl(corpus)
    assert comparable(records) == comparable(expected_records(origin).values())
    assert len({r["url"] for r in records}) == len(records)  # each once
    assert state_of(corpus)["complete"] is True and state_of(corpus)["pending"] == []


@pytest_twisted.inlineCallbacks
def test_every_article_gated_fails_the_run_with_how_to_give_cookies_and_the_cookie_leaks_nowhere(tmp_path):
    site = FaultySite(SAMPLE_SITE)
    articles = {
        path.as_posix().removeprefix(SAMPLE_SITE.as_posix()) + "/" for path in (SAMPLE_SITE / "newstream").glob("*/*")
    }
    # NK Pro closes every article to a stranger, by each of its three gates.
    site.gates = {path: ("member-form", "offsite")[n % 2] for n, path in enumerate(sorted(articles))} | site.gates
    assert set(site.gates.values()) == {"paywall", "member-form", "offsite"}
    with serve(site) as origin:
        corpus = tmp_path / "stranger" / "vok.jsonl"
        _, err, code = yield scrapy_crawl(origin, corpus)
        log = err.decode()
        assert code != 0, log[-3000:]
        assert "(gated)" in log
        errors = [line for line in log.splitlines() if " ERROR: " in line]
        assert len(errors) == 1 and "VOK_COOKIES_FILE" in errors[0] and advice(ALL_GATED) in errors[0], errors
        health = json.loads(corpus.with_name("vok.health.json").read_text())
        state = state_of(corpus)
        assert health["finish_reason"] == state["finish_reason"] == ALL_GATED
        assert (
            health["articles"]["new"] == 0 and health["articles"]["gated"] == health["left_for_next_run"]["gated"] > 0
        )
        assert set(state["gated"]) >= listing_urls(origin)

        # A subscriber's run, on the same corpus: every article, and the secret nowhere.
        feed = tmp_path / "feed.jsonl"
        out, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}", "-O", str(feed))
    assert code == 0, err.decode()[-3000:]
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin).values())
    assert state_of(corpus)["gated"] == []
    outputs = {"stdout": out, "stderr": err}
    outputs |= {str(path): path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert len(outputs) >= 2 + 4  # the log, corpus, state, health and feed at least
    assert not [name for name, data in outputs.items() if SUBSCRIBER_SECRET.encode() in data]


@pytest.mark.parametrize("fault", ["down", "huge", "busy"])
@pytest_twisted.inlineCallbacks
def test_a_slice_that_fails_leaves_the_walk_incomplete_and_the_next_run_walks_it_all(tmp_path, fault):
    corpus = tmp_path / "vok.jsonl"
    end = len(FaultySite(SAMPLE_SITE).lists[SOURCE_ID])
    site = FaultySite(SAMPLE_SITE, slice_faults={end - end % PAGE: fault})  # the last slice with teasers
    with serve(site) as origin:
        crawler = yield crawl(
            corpus, f"{origin}{LISTING}", DOWNLOAD_MAXSIZE=100_000, DOWNLOAD_WARNSIZE=0, **QUICK, **SUBSCRIBER
        )
        assert crawler.stats.get_value("finish_reason") == WALK_INCOMPLETE
        first = {r["url"] for r in read_jsonl(corpus)}
        assert first < set(expected_records(origin))  # the failed slice's articles are missing
        assert state_of(corpus)["complete"] is False
        site.slice_faults.clear()
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert sorted(r["url"] for r in read_jsonl(corpus)) == sorted(expected_records(origin))
    assert state_of(corpus)["complete"] is True


@pytest_twisted.inlineCallbacks
def test_a_redirect_loop_is_counted_and_its_article_kept_pending(tmp_path, caplog):
    """A to B to A: Scrapy's dupefilter would drop the second A at DEBUG; it is a ``redirect_loop``."""
    article = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"
    elsewhere = "/newstream/1771539200-381500828/moved/"
    site = FaultySite(SAMPLE_SITE, {article: f"redirect:{elsewhere}", elsewhere: f"redirect:{article}"})
    with serve(site) as origin, caplog.at_level(logging.INFO):
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value(stats.error("redirect_loop")) == 1
    assert f"redirect loop: {origin}{article} -> {origin}{elsewhere} -> {origin}{article}" in caplog.text
    assert site.hits[article] == site.hits[elsewhere] == 1
    assert state_of(tmp_path / "vok.jsonl")["pending"] == [origin + article]


@pytest_twisted.inlineCallbacks
def test_a_run_with_cookies_asks_again_for_the_articles_remembered_as_gated(tmp_path, caplog):
    """Only the memory brings the article back: it lies in the oldest slice, and the walk was complete."""
    corpus = tmp_path / "vok.jsonl"
    stranger = tmp_path / "stranger.txt"  # cookies that open nothing: the gate's line must say so
    stranger.write_text(COOKIES.read_text().replace(SUBSCRIBER_SECRET, "not-a-subscriber"))
    site = FaultySite(SAMPLE_SITE)
    site.gates = {DEEP_403: "member-form"}
    with serve(site) as origin:
        yield crawl(corpus, f"{origin}{LISTING}")
        assert state_of(corpus)["gated"] == [origin + DEEP_403] and state_of(corpus)["complete"] is True
        site.hits.clear()
        with caplog.at_level(logging.INFO):
            yield crawl(corpus, f"{origin}{LISTING}", VOK_COOKIES_FILE=str(stranger))
        assert site.hits[DEEP_403] == 1
        gate_lines = [line for line in caplog.text.splitlines() if "Gated (NK Pro)" in line]
        assert len(gate_lines) == 1 and "session did not open it" in gate_lines[0], gate_lines
        site.hits.clear()
        yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert site.hits[DEEP_403] == 1
    assert sorted(r["url"] for r in read_jsonl(corpus)) == sorted(expected_records(origin))
    assert state_of(corpus)["gated"] == []
