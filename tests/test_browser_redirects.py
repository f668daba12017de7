"""The browser road follows no redirect by itself: each one the site answers is judged as on the plain road.

Chromium follows an HTTP redirect without showing it to the route that
keeps it on the site, so the browser road fetches each page's document for
the browser without following one, and hands a redirect to the crawl's own
rules (``OffSiteRedirectMiddleware``, then Scrapy's ``RedirectMiddleware``):
the gate by its target, never asked for; no way off the site; the site's
other name followed on the crawl's own host, with the session; a loop told.
A document that cannot be fetched fails the page, to be asked again, and
says why without the headers it was asked with.
Real crawls in subprocesses, real Chromium, the samples on 127.0.0.1:P and a
second loopback server standing for www.nknews.org, which counts what it is
asked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest_twisted

from tests.challenge_site import GuardedSite
from tests.conftest import (
    SAMPLE_SITE,
    comparable,
    expected_records,
    needs_browser,
    read_jsonl,
    scrapy_output,
    second_name,
    serve,
)
from tests.fault_site import FaultySite
from tests.test_browser import archived, logged_in_profile
from tests.test_browser_faults import assert_exact_corpus, browser_crawl, files_under, secrets_in
from tests.test_faults import state_of
from tests.test_site_2026 import moved_to_second_name
from vok_crawler import stats
from vok_crawler.crawl.warc_records import RENDERED_HEADER
from vok_crawler.tools.sample_site import SampleSite

SAMPLE_GATES = sorted(SampleSite(SAMPLE_SITE).gates)  # paywall, member-form, and one to https://www.nknews.org
GATED_ELSEWHERE = "/newstream/1771452800-381500827/construction-of-hospitals-and-leisure-complexes-carried-on/"
MOVED_OFF = "/newstream/1770502400-381500816/spring-tree-planting-begins/"
MOVED_ON = "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/"
LOOP = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"


def counted(log: str, key: str) -> int:
    """A counter of the run, from the stats Scrapy logs as it closes (0 if not there)."""
    found = re.search(rf"'{re.escape(key)}': (\d+)[,}}]", log)
    return int(found[1]) if found else 0


def health_of(corpus: Path) -> dict:
    return json.loads(corpus.with_name("vok.health.json").read_text())


@needs_browser
@pytest_twisted.inlineCallbacks
def test_on_the_browser_road_a_redirect_off_the_site_is_judged_by_its_target_and_never_asked_for(tmp_path):
    # A profile without a login: the samples' own gates stay shut, among them the one that redirects to
    # https://www.nknews.org, a name that does not resolve here. One more article redirects to the NK Pro gate
    # on the loopback server standing for nknews.org, another off the site to it, a third on the site. The
    # four gates are fewer than the session's limit: listed gated, not taken for a login that ran out.
    corpus = tmp_path / "out" / "vok.jsonl"
    profile = tmp_path / "profile"
    profile.mkdir()
    site = FaultySite(SAMPLE_SITE, copies={f"{MOVED_ON}amp/": MOVED_ON})
    nknews = SampleSite(SAMPLE_SITE)
    with serve(site) as origin, serve(nknews) as elsewhere:
        gate = f"{elsewhere}/free-member-form/?redirect_to={quote(origin + GATED_ELSEWHERE, safe='')}&source=kcnawatch"
        site.faults[GATED_ELSEWHERE] = f"redirect:{gate}"
        site.faults[MOVED_OFF] = f"redirect:{elsewhere}{MOVED_OFF}"
        site.faults[MOVED_ON] = f"redirect:{MOVED_ON}amp/"  # a path on the same host, as the site's own 301s
        _, err, code = yield scrapy_output(*browser_crawl(origin, corpus, profile, VOK_SESSION_LOST_AFTER=5))
    log = err.decode()
    assert code == 0, log[-5000:]
    assert sum(nknews.hits.values()) == 0, nknews.hits  # not one request off the site
    state = state_of(corpus)
    assert state["gated"] == sorted(origin + path for path in [*SAMPLE_GATES, GATED_ELSEWHERE])
    assert state["pending"] == [origin + MOVED_OFF]  # refused, counted, asked for again by the next run
    assert counted(log, stats.REDIRECTS_OFF_SITE) == 1 and health_of(corpus)["errors"]["ignored"] == 1
    assert f"redirect off the site, to {elsewhere}{MOVED_OFF}" in log
    # Every other article read whole, once; the one moved on the site too, from where it moved.
    left_out = {origin + path for path in [*SAMPLE_GATES, GATED_ELSEWHERE, MOVED_OFF]}
    assert comparable(read_jsonl(corpus)) == comparable(
        record for url, record in expected_records(origin).items() if url not in left_out
    )
    assert site.hits[MOVED_ON] == site.hits[f"{MOVED_ON}amp/"] == 1


@needs_browser
@pytest_twisted.inlineCallbacks
def test_on_the_browser_road_a_redirect_to_the_sites_other_name_is_followed_on_the_crawls_own_host(tmp_path):
    # Every article page with its canonical URL redirects to its new address on localhost:P (the site's
    # other name, an alias of the crawl); one redirects to its own path there. The login is the profile's,
    # kept for 127.0.0.1: the gated articles open only if every request stays on the crawl's own host.
    out = tmp_path / "out"
    corpus = out / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        profile = logged_in_profile(tmp_path, origin)
        moved = moved_to_second_name(site, origin)
        other = f"http://{second_name(origin)}{LOOP}"
        site.faults[LOOP] = f"redirect:{other}"
        _, err, code = yield scrapy_output(*browser_crawl(origin, corpus, profile))
    log = err.decode()
    assert code == 0, log[-5000:]
    assert set(site.hosts) == {origin.removeprefix("http://")}  # not one request to the other name
    assert set(SAMPLE_GATES) <= set(moved) and LOOP in moved
    assert counted(log, stats.REDIRECTS_TO_OTHER_NAME) == len(moved) - 1
    # The login went with each: every gated article read whole, every article but the loop's once.
    assert comparable(read_jsonl(corpus)) == comparable(
        record for url, record in expected_records(origin).items() if url != origin + LOOP
    )
    assert f"redirect loop: {origin}{LOOP} -> {other}, which is {origin}{LOOP} on the crawl's own host" in log
    assert health_of(corpus)["errors"]["redirect_loop"] == 1 and site.hits[LOOP] == 1
    state = state_of(corpus)
    assert state["gated"] == [] and state["pending"] == [origin + LOOP]  # asked for again, never forgotten
    # The archive keeps each redirect as the server sent it, each page and redirect with the address it came
    # from, as the browser's own network would tell it; no cookie anywhere.
    responses = [text for kind, text in archived(out / "archive") if kind == "response"]
    redirects = [text for text in responses if b" 301 " in text]
    assert len(redirects) == len(moved)
    assert all(f"Location: http://{second_name(origin)}/".encode() in text for text in redirects)
    assert all(RENDERED_HEADER.encode() in text for text in responses)  # robots.txt is not archived
    assert all(b"WARC-IP-Address: 127.0.0.1\r\n" in text for text in responses)
    assert secrets_in(files_under(out), log) == []


@needs_browser
@pytest_twisted.inlineCallbacks
def test_on_the_browser_road_a_document_that_cannot_be_fetched_fails_the_page_and_says_why_without_its_cookies(
    tmp_path,
):
    # Behind the bot check, with the profile's login: the browser asks with both cookies. Two articles fail
    # once, a connection reset and a body cut short; their retries read them.
    out = tmp_path / "out"
    corpus = out / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE, challenge=503, faults={MOVED_OFF: "reset", MOVED_ON: "truncate"})
    with serve(site) as origin:
        profile = logged_in_profile(tmp_path, origin)
        _, err, code = yield scrapy_output(*browser_crawl(origin, corpus, profile))
    log = err.decode()
    assert code == 0, log[-5000:]
    assert_exact_corpus(corpus, origin)
    assert len(site.times[MOVED_OFF]) == len(site.times[MOVED_ON]) == 2  # failed once, read on the retry
    assert f"The browser's request for {origin}{MOVED_OFF} failed: Route.fetch: read ECONNRESET" in log
    assert f"The browser's request for {origin}{MOVED_ON} failed: Route.fetch: " in log
    assert secrets_in(files_under(out), log) == []
