"""End to end, the site as the 2026 evidence shows it (``docs/site.md``, "2026 evidence").

Against the samples served on 127.0.0.1:P, which answer for a second host
name too (links to ``kcnawatch.xyz`` become ``localhost:P``): the site's
other names, the listing's control that points at the page itself, the
teaser shapes, the back catalogue, and the search road by date.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, timedelta

import pytest_twisted

from tests.conftest import (
    COOKIES,
    SAMPLE_SITE,
    comparable,
    crawl,
    expected_records,
    read_jsonl,
    second_name,
    serve,
)
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.tools.sample_site import ALIAS_HOST, SEARCH_INDEX, SOURCE_ID, SampleSite

SUBSCRIBER = {"VOK_COOKIES_FILE": str(COOKIES)}
LISTING = "/article/163/"
SLICES = (SAMPLE_SITE / f"wp-admin/admin-ajax/{SOURCE_ID}.html").read_text()


def on_second_name_only(origin: str) -> set[str]:
    """The articles the source's list links only on the site's second name (kcnawatch.xyz)."""
    paths = set(re.findall(r'href="(?:https?:)?//(?:www\.)?kcnawatch\.xyz(/newstream/[^"#?]+?)/?"', SLICES))
    elsewhere = set(re.findall(r'href="(?:https?:)?//kcnawatch\.org(/newstream/[^"#?]+?)/?[#?"]', SLICES))
    return {f"{origin}{path}/" for path in paths - elsewhere}


@pytest_twisted.inlineCallbacks
def test_links_on_the_sites_second_name_are_read_on_the_crawls_own_host_once(tmp_path):
    resource = SampleSite(SAMPLE_SITE)
    with serve(resource) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, **SUBSCRIBER)
        without = tmp_path / "without"
        yield crawl(without / "vok.jsonl", origin + LISTING, VOK_HOST_ALIASES="", **SUBSCRIBER)
    records = read_jsonl(tmp_path / "vok.jsonl")
    only_there = on_second_name_only(origin)
    assert len(only_there) >= 2  # one with www., http and no trailing slash, one plain
    assert comparable(records) == comparable(expected_records(origin).values())
    assert only_there <= {r["url"] for r in records} and len({r["url"] for r in records}) == len(records)
    assert crawler.stats.get_value("finish_reason") == "finished"
    # Not one request named the second name: links to it are fetched on the crawl's own host.
    assert set(resource.hosts) == {origin.removeprefix("http://")}
    # Without the alias, those links are off the site: the setting is what makes them the site's.
    assert not only_there & {r["url"] for r in read_jsonl(without / "vok.jsonl")}


def moved_to_second_name(site: FaultySite, origin: str) -> list[str]:
    """Every article page that names its canonical URL answers a redirect to its new address on the site's
    second name (``.../amp/`` on ``localhost:P``), served there and here; the paths redirected."""
    moved = []
    for path in sorted(url.removeprefix(origin) for url in expected_records(origin)):
        if 'rel="canonical"' in (SAMPLE_SITE / path.strip("/") / "index.html").read_text(encoding="utf-8"):
            site.faults[path] = f"redirect:http://{second_name(origin)}{path}amp/"
            site.copies[f"{path}amp/"] = path
            moved.append(path)
    return moved


@pytest_twisted.inlineCallbacks
def test_a_redirect_to_the_sites_second_name_is_followed_on_the_crawls_own_host_with_its_cookies(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        moved = moved_to_second_name(site, origin)
        crawler = yield crawl(corpus, origin + LISTING, **SUBSCRIBER)
    assert len(moved) == len(expected_records()) - 1  # all but the one page without its canonical URL
    assert set(site.hosts) == {origin.removeprefix("http://")}  # not one request to the second name
    assert crawler.stats.get_value(stats.REDIRECTS_TO_OTHER_NAME) == len(moved)
    # The subscriber's cookie went with each: every gated article read whole, every article once.
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin).values())
    assert crawler.stats.get_value("finish_reason") == "finished" and not crawler.stats.get_value(stats.GATED)
    assert json.loads(corpus.with_name("vok.state.json").read_text())["gated"] == []


@pytest_twisted.inlineCallbacks
def test_a_redirect_to_the_same_page_on_the_sites_second_name_is_a_redirect_loop(tmp_path, caplog):
    article = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin, caplog.at_level(logging.INFO):
        other = f"http://{second_name(origin)}{article}"
        site.faults[article] = f"redirect:{other}"
        crawler = yield crawl(corpus, origin + LISTING, **SUBSCRIBER)
    assert crawler.stats.get_value(stats.error("redirect_loop")) == 1
    assert f"redirect loop: {origin}{article} -> {other}, which is {origin}{article} on the crawl's own host" in (
        caplog.text
    )
    assert site.hits[article] == 1 and set(site.hosts) == {origin.removeprefix("http://")}
    state = json.loads(corpus.with_name("vok.state.json").read_text())
    assert state["pending"] == [origin + article]  # asked for again, never forgotten
    records = read_jsonl(corpus)
    assert comparable(records) == comparable(
        r for url, r in expected_records(origin).items() if url != origin + article
    )


@pytest_twisted.inlineCallbacks
def test_one_corpus_whichever_of_the_sites_names_a_run_starts_from(tmp_path):
    resource = SampleSite(SAMPLE_SITE)
    with serve(resource) as origin:
        port = origin.rsplit(":", 1)[1]
        names = f"127.0.0.1:{port},{ALIAS_HOST}:{port}"
        template = f"{tmp_path}/%(site)s/vok.jsonl"
        yield crawl(template, origin + LISTING, VOK_HOST_ALIASES=names)
        corpus = tmp_path / f"127.0.0.1_{port}" / "vok.jsonl"
        first = corpus.read_text()
        resource.hits.clear()
        other = f"http://{ALIAS_HOST}:{port}"
        crawler = yield crawl(template, other + LISTING, VOK_HOST_ALIASES=names)
    assert [path.name for path in tmp_path.iterdir()] == [f"127.0.0.1_{port}"]  # the first name's corpus, once
    assert corpus.read_text() == first  # every article known under the other name: no second line
    assert crawler.stats.get_value(stats.ARTICLES_ALREADY_KNOWN) == 12
    assert set(resource.hits) == {"/robots.txt", LISTING}


def search_days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@pytest_twisted.inlineCallbacks
def test_the_search_road_reads_a_period_day_by_day_within_its_bound_and_names_full_days(tmp_path):
    first, last = date(2011, 7, 14), date(2011, 7, 17)
    resource = SampleSite(SAMPLE_SITE)
    with serve(resource) as origin:
        args = {"published_from": first.isoformat(), "published_to": last.isoformat()}
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, args, **SUBSCRIBER)
    records = read_jsonl(tmp_path / "vok.jsonl")
    health = json.loads((tmp_path / "vok.health.json").read_text())
    expected = expected_records(origin)
    in_period = {
        url for url, r in expected.items() if r["published"] and first.isoformat() <= r["published"] <= last.isoformat()
    }
    # Records are exactly the listing road's, for articles published in the period.
    assert comparable(records) == comparable(expected[r["url"]] for r in records)
    assert {r["url"] for r in records} <= in_period
    # What the search could not show is on the days it names as full, and nowhere else.
    full = health["search"]["full_days"]
    assert full == ["2011-07-15"]
    assert {expected[url]["published"] for url in in_period - {r["url"] for r in records}} <= set(full)
    assert len(records) >= 3 and crawler.stats.get_value("finish_reason") == "finished"
    # No slice; one request per day, one per new article, robots.txt and the start page.
    hits = resource.hits
    assert not [uri for uri in hits if "admin-ajax" in uri]
    searches = [uri for uri in hits if uri.startswith("/?")]
    assert len(searches) == len(search_days(first, last)) == health["search"]["days"]
    assert all(f"source={SOURCE_ID}" in uri for uri in searches)
    assert sum(hits.values()) <= len(searches) + len(records) + 2
    assert not json.loads((tmp_path / "vok.state.json").read_text())["complete"]  # a part is no whole walk


@pytest_twisted.inlineCallbacks
def test_the_search_road_asks_no_article_it_knows(tmp_path):
    """A second period that overlaps the first: the known articles are not fetched again."""
    resource = SampleSite(SAMPLE_SITE)
    corpus = tmp_path / "vok.jsonl"
    with serve(resource) as origin:
        yield crawl(
            corpus, origin + LISTING, {"published_from": "2026-02-14", "published_to": "2026-02-17"}, **SUBSCRIBER
        )
        known = {r["url"] for r in read_jsonl(corpus)}
        resource.hits.clear()
        crawler = yield crawl(
            corpus, origin + LISTING, {"published_from": "2026-02-16", "published_to": "2026-02-19"}, **SUBSCRIBER
        )
    new = [r for r in read_jsonl(corpus) if r["url"] not in known]
    asked = {origin + uri for uri in resource.hits if uri.startswith("/newstream/")}
    assert len(known) >= 3 and new
    assert not asked & known and asked == {r["url"] for r in new}
    assert crawler.stats.get_value(stats.ARTICLES_ALREADY_KNOWN) >= 1
    expected = expected_records(origin)
    assert all("2026-02-14" <= expected[url]["published"] <= "2026-02-19" for url in known | asked)


@pytest_twisted.inlineCallbacks
def test_the_search_road_takes_the_source_id_given_when_no_page_shows_it(tmp_path):
    no_id = [("/", re.compile(rb'data-id="\d+"|&amp;id=\d+'), b"")]  # on no page: the listing, the articles
    site = FaultySite(SAMPLE_SITE, rewrite=no_id)
    args = {"published_from": "2011-07-16", "published_to": "2011-07-16"}
    with serve(site) as origin:
        stuck = yield crawl(tmp_path / "stuck" / "vok.jsonl", origin + LISTING, args, **SUBSCRIBER)
        given = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, {**args, "source_id": SOURCE_ID}, **SUBSCRIBER)
    assert stuck.stats.get_value("finish_reason") == "pagination_not_found"
    assert given.stats.get_value("finish_reason") == "finished"
    assert [r["published"] for r in read_jsonl(tmp_path / "vok.jsonl")] == ["2011-07-16"]


def test_the_search_index_of_the_samples_has_a_full_day():
    index = json.loads((SAMPLE_SITE / SEARCH_INDEX).read_text())
    days = [entry["date"] for entry in index if entry["source"] == SOURCE_ID]
    assert max(days.count(day) for day in days) > 2  # more than a sample search page shows


@pytest_twisted.inlineCallbacks
def test_teasers_whose_text_no_rule_finds_are_counted_in_the_health_report(tmp_path):
    hidden = re.compile(rb'<div class="hover-excerpt">.*?</div>|<p class="(?:excerpt|col-[^"]*)">.*?</p>', re.DOTALL)
    site = FaultySite(SAMPLE_SITE, rewrite=[(LISTING, hidden, b"")])
    with serve(site) as origin:
        yield crawl(tmp_path / "vok.jsonl", origin + LISTING, **SUBSCRIBER)
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["teasers_without_text"] == 12  # the listing's blocks, each read once


@pytest_twisted.inlineCallbacks
def test_the_search_road_writes_no_article_published_outside_the_period(tmp_path):
    """A search that shows more than the window asked (a server that reads the dates otherwise)."""
    resource = SampleSite(SAMPLE_SITE)
    outside = next(entry for entry in resource.search_index if entry["date"] == "2024-04-02")
    resource.search_index.append({**outside, "date": "2011-07-16"})
    with serve(resource) as origin:
        args = {"published_from": "2011-07-16", "published_to": "2011-07-16"}
        crawler = yield crawl(tmp_path / "vok.jsonl", origin + LISTING, args, **SUBSCRIBER)
    assert [r["published"] for r in read_jsonl(tmp_path / "vok.jsonl")] == ["2011-07-16"]
    assert crawler.stats.get_value(stats.SKIPPED_OUTSIDE_PERIOD) == 1
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["articles"]["dropped"] == {"outside_period": 1} and health["layout_problems"] == []
