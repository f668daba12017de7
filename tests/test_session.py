"""A subscriber's session, told lost by the gates it meets, whatever it reads between them; a browser
profile asks again for the gated articles as a cookies file does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_twisted

from tests.challenge_site import GuardedSite
from tests.conftest import (
    CHROMIUM,
    COOKIES,
    QUICK,
    SAMPLE_SITE,
    comparable,
    crawl,
    crawl_args,
    expected_records,
    needs_browser,
    read_jsonl,
    scrapy_output,
    serve,
    vok_settings,
)
from tests.test_browser import logged_in_profile
from tests.test_faults import LISTING, scrapy_crawl, state_of
from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.finish_reasons import ALL_GATED, SESSION_EXPIRED
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET, SampleSite

SAMPLE_GATES = sorted(SampleSite(SAMPLE_SITE).gates)  # the samples' three gated articles, among 44 free ones
SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES), "VOK_ARCHIVE": ""}


FORGOTTEN = "vok-sample-subscriber-EXPIRED-0000"  # a login the site no longer knows


def stale_cookies(tmp_path: Path) -> Path:
    """The subscriber's cookies once the site has forgotten the login: the same cookie, a value it no longer knows."""
    path = tmp_path / "stale-cookies.txt"
    path.write_text(COOKIES.read_text().replace(SUBSCRIBER_SECRET, FORGOTTEN))
    return path


def read_between_gates(log: str) -> int:
    """Articles written between the first and the last gate the log shows (Scrapy's DEBUG "Scraped from")."""
    events = re.findall(r"Gated \(NK Pro\)|Scraped from", log)
    gates = [i for i, event in enumerate(events) if event.startswith("Gated")]
    return events[gates[0] : gates[-1]].count("Scraped from") if gates else 0


def assert_completed_exactly_once(corpus: Path, origin: str) -> None:
    records = read_jsonl(corpus)
    assert len(records) == len({r["url"] for r in records})  # each once
    assert comparable(records) == comparable(expected_records(origin).values())
    assert state_of(corpus)["gated"] == [] and state_of(corpus)["pending"] == []


@pytest.mark.parametrize(("limit", "expired"), [(3, True), (4, False)], ids=["at-the-limit", "one-below"])
@pytest_twisted.inlineCallbacks
def test_an_expired_session_is_told_by_the_gates_it_meets_with_free_articles_between(tmp_path, limit, expired):
    """The samples' three gated articles lie among free ones: an expired cookie meets three gates, never in a row."""
    corpus = tmp_path / "vok.jsonl"
    site = SampleSite(SAMPLE_SITE)
    with serve(site) as origin:
        _, err, code = yield scrapy_crawl(
            origin,
            corpus,
            *("-s", f"VOK_COOKIES_FILE={stale_cookies(tmp_path)}"),
            *("-s", f"VOK_SESSION_LOST_AFTER={limit}", "-s", "VOK_ARCHIVE="),
        )
        log = err.decode()
        gated = [origin + path for path in SAMPLE_GATES]
        state = state_of(corpus)
        written = read_jsonl(corpus)
        assert read_between_gates(log) > 0, "the premise: free articles read whole between the gates"
        assert comparable(written) == comparable(expected_records(origin)[r["url"]] for r in written)
        if expired:
            assert code == 1, log[-3000:]
            assert (
                state["finish_reason"] == SESSION_EXPIRED
                and f"({SESSION_EXPIRED})" in log
                and advice(SESSION_EXPIRED) in log
            )
            assert state["gated"] == [] and set(gated) <= set(state["pending"])  # asked for again, not listed gated
        else:
            assert code == 0, log[-3000:]
            assert state["finish_reason"] == "finished" and advice(SESSION_EXPIRED) not in log
            assert state["gated"] == gated and state["pending"] == []
            assert len(written) == len(expected_records()) - len(gated)

        # The next run, with a session that works, completes the corpus.
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert_completed_exactly_once(corpus, origin)


@pytest.mark.parametrize(
    ("session", "limit", "reason"),
    [(False, "1", ALL_GATED), (True, "2", ALL_GATED), (True, "1", SESSION_EXPIRED)],
    ids=["no-session", "a-session-below-the-limit", "a-session-at-the-limit"],
)
@pytest_twisted.inlineCallbacks
def test_a_run_whose_every_gate_a_session_did_not_open_says_so_and_not_to_give_cookies(
    tmp_path, session, limit, reason
):
    """One article page met, behind the gate: with no session, what to do is to give one; with a session that
    did not open it (one gate, below the limit), the session is the matter, in the verdict and the summary alike."""
    corpus = tmp_path / "vok.jsonl"
    paywall = next(path for path, gate in SampleSite(SAMPLE_SITE).gates.items() if gate == "paywall")
    cookies = ("-s", f"VOK_COOKIES_FILE={stale_cookies(tmp_path)}") if session else ()
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        settings = {**QUICK, "VOK_SESSION_LOST_AFTER": limit, "VOK_ARCHIVE": ""}
        _, err, code = yield scrapy_output(*crawl_args(origin + paywall, corpus, *cookies, **settings))
    log = err.decode()
    state = state_of(corpus)
    assert code == 1 and state["finish_reason"] == reason, log[-3000:]
    [summary] = [line for line in log.splitlines() if "Summary: " in line]
    assert summary.endswith(f"Finish reason {reason}: {advice(reason, session)}."), summary
    if reason == SESSION_EXPIRED:
        assert state["gated"] == [] and state["pending"] == [origin + paywall]
        return
    [told] = [line for line in log.splitlines() if " ERROR: " in line]
    assert told.endswith(f"Every article page (1) was behind the NK Pro gate: {advice(ALL_GATED, session)}"), told
    assert state["gated"] == [origin + paywall] and state["pending"] == []  # asked for again by a run with a session
    if session:
        assert "give a subscriber's cookies" not in log
        assert "did not open the gate: it has expired, or is not a subscriber's" in told
        assert "export fresh cookies" in told and "scrapy login" in told
    else:
        assert "give a subscriber's cookies" in told and "expired" not in told


@pytest_twisted.inlineCallbacks
def test_a_session_that_runs_out_mid_run_stops_at_once_on_a_site_of_free_and_gated_articles(tmp_path):
    """Every other article walled: the cookie opens two of them, then the run stops at the third gate it meets."""
    corpus = tmp_path / "vok.jsonl"
    walled = sorted(url.split("/", 3)[3] for url in expected_records("http://h"))[1::2]
    site = GuardedSite(SAMPLE_SITE, wall_opens=2, walled=["/" + path for path in walled])
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
        state = state_of(corpus)
        assert crawler.stats.get_value("finish_reason") == SESSION_EXPIRED
        assert site.opened == 2 and crawler.stats.get_value(stats.GATED) == 3  # stopped at the third gate met
        assert crawler.stats.get_value(stats.SESSION_LOST) == 3
        assert state["gated"] == [] and len(state["pending"]) >= 3
        assert crawler.stats.get_value("item_scraped_count") > site.opened  # free articles read between the gates

        site.wall_opens = None  # a fresh session
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **SUBSCRIBER)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert_completed_exactly_once(corpus, origin)


@needs_browser
@pytest.mark.parametrize("login", ["working", "forgotten"])
@pytest_twisted.inlineCallbacks
def test_a_browser_profile_asks_again_for_the_gated_articles_of_a_plain_run(tmp_path, login):
    """A profile is a session as a cookies file is: the gated articles are asked for again, and opened;
    a profile whose login the site forgot meets them behind the gate, and that ends the run."""
    corpus = tmp_path / "vok.jsonl"
    site = SampleSite(SAMPLE_SITE)  # its gates as they are: one redirects off the site, to www.nknews.org
    with serve(site) as origin:
        gated = [origin + path for path in SAMPLE_GATES]
        yield crawl(corpus, f"{origin}{LISTING}", VOK_ARCHIVE="")  # no session: the three stay gated
        assert state_of(corpus)["gated"] == gated and state_of(corpus)["complete"] is True

        profile = logged_in_profile(tmp_path, origin, SUBSCRIBER_SECRET if login == "working" else FORGOTTEN)
        browser = ("-s", f"VOK_BROWSER_PROFILE={profile}", "-s", f"VOK_BROWSER_EXECUTABLE={CHROMIUM}")
        _, err, code = yield scrapy_crawl(origin, corpus, *browser, "-s", "VOK_ARCHIVE=")
    log = err.decode()
    state = state_of(corpus)
    if login == "working":
        assert code == 0, log[-4000:]
        assert_completed_exactly_once(corpus, origin)
    else:
        assert code == 1, log[-4000:]
        assert state["finish_reason"] == SESSION_EXPIRED and advice(SESSION_EXPIRED) in log, log[-4000:]
        assert state["gated"] == [] and state["pending"] == gated


def test_what_becomes_of_an_article_met_behind_the_gate_is_told_by_its_one_owner():
    """Gates tells the ledger: gated without a session; with one, gated below the limit, and at the limit every
    gate met pending (the session is lost), the crawl stopped once, and a gate after that pending at once."""
    from scrapy.utils.test import get_crawler

    from vok_crawler.crawl.refusals import BanWatch
    from vok_crawler.crawl.session import Gates
    from vok_crawler.crawl.spiders.vok import VokSpider
    from vok_crawler.store.ledger import Ledger

    crawler = get_crawler(VokSpider, vok_settings())
    crawler.stats.open_spider()
    bans, stops = BanWatch(crawler), []
    plain = Gates(Ledger(set()), crawler.stats, bans, None, lambda: stops.append("stopped"))
    for url in ("a", "b", "c"):
        plain.gate(url, "paywall")
    assert plain.ledger.left_over() == ([], ["a", "b", "c"]) and stops == []
    session = Gates(Ledger(set()), crawler.stats, bans, 2, lambda: stops.append("stopped"))
    session.gate("a", "paywall")
    assert session.ledger.left_over() == ([], ["a"]) and stops == []  # one below the limit: gated
    session.gate("b", "redirect to free-member-form")
    assert session.ledger.left_over() == (["a", "b"], []) and stops == ["stopped"]  # at it: pending, stopped
    session.gate("c", "paywall")
    assert session.ledger.left_over() == (["a", "b", "c"], []) and stops == ["stopped"]
    assert crawler.stats.get_value(stats.GATED) == 6 and crawler.stats.get_value(stats.SESSION_LOST) == 3
