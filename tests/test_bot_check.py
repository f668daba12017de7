"""A bot check: known when seen, the crawl stopped with what to do, nothing written, nothing forgotten;
and a session that runs out: stopped at once, the articles met behind the gate since left pending."""

from __future__ import annotations

import json
import sys

import pytest
import pytest_twisted
from parsel import Selector

from tests.challenge_site import CHALLENGE_PAGE, GuardedSite
from tests.conftest import (
    COOKIES,
    ROOT,
    SAMPLE_SITE,
    comparable,
    crawl,
    expected_records,
    read_jsonl,
    run_scrapy,
    serve,
)
from tests.fault_site import BUSY_PAGE
from tests.test_faults import LISTING, scrapy_crawl, state_of
from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.finish_reasons import BOT_CHECK, SESSION_EXPIRED
from vok_crawler.site.pages.challenge import challenge

ARTICLE = "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/"
ARTICLE_HTML = (SAMPLE_SITE / ARTICLE.strip("/") / "index.html").read_text(encoding="utf-8")
LISTING_HTML = (SAMPLE_SITE / "article/163/index.html").read_text(encoding="utf-8")
NOSCRIPT_TAG = '<noscript><iframe src="https://www.googletagmanager.com/ns.html"></iframe></noscript>'


@pytest.mark.parametrize(
    ("html", "trace"),
    [
        (CHALLENGE_PAGE.decode(), "a script that sets a cookie and reloads"),
        ("<html><body><h1>Checking your browser before accessing kcnawatch.org</h1></body></html>", "the words"),
        ('<html><body><form id="challenge-form" action="/?__cf_chl=1" method="POST"></form></body></html>', "form"),
        ("<html><body><noscript>Please enable JavaScript to view the page.</noscript></body></html>", "the words"),
        # Content is never a challenge, whatever scripts or words it carries.
        (ARTICLE_HTML.replace("</body>", "<noscript>Please enable JavaScript</noscript></body>"), None),
        (LISTING_HTML.replace("</body>", "<noscript>Please enable JavaScript</noscript></body>"), None),
        (BUSY_PAGE.decode(), None),  # a busy page is unrecognized, not a bot check
        (f"<html><body>{NOSCRIPT_TAG}<h1>Page not found</h1></body></html>", None),
    ],
    ids=["script-cookie", "words", "form", "noscript", "article", "listing", "busy", "404-with-noscript"],
)
def test_a_challenge_page_is_known_by_its_traces_and_content_never_is(html, trace):
    found = challenge(Selector(text=html))
    assert (found is None) if trace is None else (found is not None and trace in found)


def requests_made(site: GuardedSite) -> int:
    return sum(site.hits.values())


@pytest.mark.parametrize("status", [503, 403, 200])
@pytest_twisted.inlineCallbacks
def test_a_plain_crawl_meets_the_bot_check_stops_and_forgets_nothing(tmp_path, status):
    corpus = tmp_path / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE, faults={ARTICLE: "403"})
    with serve(site) as origin:
        # A first, healthy run leaves one article pending (it answered 403).
        yield crawl(corpus, f"{origin}{LISTING}", VOK_ARCHIVE="")
        before = corpus.read_bytes()
        assert state_of(corpus)["pending"] == [origin + ARTICLE]

        site.faults.clear()
        site.hits.clear()
        site.challenge = status  # now every page is a challenge
        _, err, code = yield scrapy_crawl(origin, corpus, "-a", "refresh=1", "-s", "VOK_ARCHIVE=")
    log = err.decode()
    assert code == 1, log[-3000:]
    assert f"({BOT_CHECK})" in log and advice(BOT_CHECK) in log
    health = json.loads((tmp_path / "vok.health.json").read_text())
    state = state_of(corpus)
    assert health["finish_reason"] == state["finish_reason"] == BOT_CHECK
    assert requests_made(site) <= 10, site.hits
    assert site.challenges == requests_made(site) - 1  # all but robots.txt; none retried
    assert corpus.read_bytes() == before  # nothing written
    assert origin + ARTICLE in state["pending"] and state["complete"] is False  # nothing forgotten


@pytest_twisted.inlineCallbacks
def test_a_first_run_whose_start_page_is_a_challenge_ends_as_a_bot_check(tmp_path):
    """One refusal, and nothing else to ask: not ``nothing_fetched`` but the bot check, with what to do."""
    corpus = tmp_path / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE, challenge=403)
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", VOK_ARCHIVE="")
    assert crawler.stats.get_value("finish_reason") == BOT_CHECK
    assert crawler.stats.get_value(stats.BOT_CHECKS) == 1 and requests_made(site) == 2
    assert not corpus.exists() or corpus.read_bytes() == b""


@pytest_twisted.inlineCallbacks
def test_a_challenge_among_refusals_ends_as_blocked_only_when_the_last_was_no_challenge(tmp_path):
    """Busy pages (unrecognized) then no challenge: ``blocked``, not ``bot_check``."""
    corpus = tmp_path / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE)
    site.refuse = (200, {"/robots.txt", LISTING})
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", VOK_ARCHIVE="")
    assert crawler.stats.get_value("finish_reason") == "blocked"
    assert not crawler.stats.get_value(stats.BOT_CHECKS)


@pytest_twisted.inlineCallbacks
def test_the_probe_names_the_bot_check_and_exits_1(tmp_path):
    from twisted.internet.utils import getProcessOutputAndValue

    site = GuardedSite(SAMPLE_SITE, challenge=503)
    with serve(site) as origin:
        out, err, code = yield getProcessOutputAndValue(
            sys.executable,
            ["-m", "scrapy", "probe", f"{origin}{LISTING}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"],
            path=str(ROOT),
        )
    verdict = out.decode().strip().splitlines()[-1]
    assert code == 1, err.decode()[-2000:]
    assert verdict.startswith("verdict: NOT UNDERSTOOD") and "bot check" in verdict, verdict
    assert requests_made(site) <= 3


@pytest_twisted.inlineCallbacks
def test_a_session_that_runs_out_stops_the_run_and_leaves_what_it_met_pending(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    opens = 3
    site = GuardedSite(SAMPLE_SITE, wall_opens=opens)  # every article walled; the cookie opens 3, then stops
    with serve(site) as origin:
        expected = expected_records(origin)
        _, err, code = yield scrapy_crawl(origin, corpus, "-s", f"VOK_COOKIES_FILE={COOKIES}", "-s", "VOK_ARCHIVE=")
        log = err.decode()
        assert code == 1, log[-3000:]
        assert f"({SESSION_EXPIRED})" in log and advice(SESSION_EXPIRED) in log
        state = state_of(corpus)
        assert state["finish_reason"] == SESSION_EXPIRED
        written = read_jsonl(corpus)
        assert len(written) == opens  # the articles read whole, and no gated page as a record
        assert comparable(written) == comparable(expected[r["url"]] for r in written)
        # The pages met behind the gate once the session ran out are pending, never gated: none is gated.
        assert state["gated"] == []

        site.wall_opens = None  # a fresh session: the wall opens again
        crawler = yield crawl(corpus, f"{origin}{LISTING}", VOK_COOKIES_FILE=str(COOKIES), VOK_ARCHIVE="")
    assert crawler.stats.get_value("finish_reason") == "finished"
    records = read_jsonl(corpus)
    assert len(records) == len({r["url"] for r in records})  # each once
    assert comparable(records) == comparable(expected.values())
    assert state_of(corpus)["gated"] == [] and state_of(corpus)["pending"] == []


@pytest.mark.parametrize("session", [True, False], ids=["a-session-that-opens-nothing", "no-session"])
@pytest_twisted.inlineCallbacks
def test_a_walled_site_is_gated_without_a_session_and_expired_with_one_that_opens_nothing(tmp_path, session):
    corpus = tmp_path / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE, wall_opens=0)
    cookies = {"VOK_COOKIES_FILE": str(COOKIES)} if session else {}
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", VOK_ARCHIVE="", **cookies)
    state = state_of(corpus)
    if session:
        # A login that opened nothing does not work, whether it ran out before the run or never was one: the run
        # stops at the limit, lists nothing as gated, and asks for what it met again with a fresh login.
        assert crawler.stats.get_value("finish_reason") == SESSION_EXPIRED
        assert state["gated"] == [] and len(state["pending"]) >= site.walls >= 3
        assert crawler.stats.get_value(stats.SESSION_LOST) == crawler.stats.get_value(stats.GATED)
    else:
        assert crawler.stats.get_value("finish_reason") == "gated"
        assert len(state["gated"]) >= len(expected_records())  # and a page of another source


def test_a_bad_session_limit_is_one_error_line(tmp_path):
    settings = [f"VOK_COOKIES_FILE={COOKIES}", "VOK_SESSION_LOST_AFTER=0", f"VOK_CORPUS={tmp_path}/vok.jsonl"]
    result = run_scrapy("crawl", "vok", "--nolog", *[arg for setting in settings for arg in ("-s", setting)])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: setting VOK_SESSION_LOST_AFTER must be a whole number of 1 or more, not '0'"
    ]
