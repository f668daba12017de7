"""The archive road against real engines on 127.0.0.1: a period read from pywb alone, and from WARC byte ranges.

The tests' archive (``tests/web_archives.py``) holds captures of the
samples' pages around :data:`~tests.web_archives.PERIOD`; the live site
(``https://kcnawatch.org``) is not running, and never asked: every request
of the run goes to pywb (its CDX API and raw replay) or to the WARC files
served with byte ranges, both on loopback.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import lxml.html
import pytest
import pytest_twisted
from scrapy.http import TextResponse
from twisted.web.resource import Resource
from twisted.web.static import File

from tests.conftest import (
    QUICK,
    SAMPLE_SITE,
    assert_valid_records,
    crawl,
    expected_records,
    read_jsonl,
    second_name,
    serve,
)
from tests.fault_site import FaultySite
from tests.test_session import stale_cookies
from tests.test_spider import spider
from tests.web_archives import (
    DRILLS,
    ENLARGED_MEETING,
    FISHERMEN,
    LETTER,
    PAGED,
    PERIOD,
    PLAIN,
    PRESS_STATEMENT,
    SECOND_NAME,
    SOWING,
    Captured,
    Pywb,
    archive_captures,
    behind_the_gate,
    sample_page,
    sample_record,
)
from vok_crawler import stats
from vok_crawler.crawl import archive_reading
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.archive_reading import ARCHIVE_RUN
from vok_crawler.crawl.warc_records import CAPTURE_ARCHIVE_HEADER, CAPTURE_TARGET_HEADER, CAPTURE_TIMESTAMP_HEADER
from vok_crawler.finish_reasons import ARCHIVE_INCOMPLETE, ARCHIVE_REFUSED
from vok_crawler.site.captures import Capture
from vok_crawler.store.warc import iter_archive
from vok_crawler.tools.coverage import LIVE_SITE, CorpusCount
from vok_crawler.tools.report_page import render

START = "https://kcnawatch.org/article/163/"  # the live site: not running, never asked
ALIASES = f"www.kcnawatch.org {SECOND_NAME} www.{SECOND_NAME}"
POSTED = {"road": "archive", "posted_from": PERIOD[0].isoformat(), "posted_to": PERIOD[1].isoformat()}


def archive_settings(server: Pywb, collection: str, warc: str = "", **settings: Any) -> dict[str, Any]:
    return {
        "VOK_ARCHIVE_CDX": server.cdx(collection),
        "VOK_ARCHIVE_REPLAY": server.replay(collection),
        "VOK_ARCHIVE_WARC": warc,
        "VOK_ARCHIVE_DELAY": 0,
        "VOK_HOST_ALIASES": ALIASES,
        **settings,
    }


def read_captures() -> dict[str, Captured]:
    """Each Voice of Korea article of the period, by URL: its newest capture that is a whole article."""
    newest: dict[str, Captured] = {}
    for captured in sorted(archive_captures(), key=lambda c: c.timestamp, reverse=True):
        if captured.in_period and captured.status == 200 and captured.kind != "gated":
            newest.setdefault(captured.article, captured)
    return {url: captured for url, captured in newest.items() if captured.record is not None}


def expected(archive: str) -> list[dict[str, Any]]:
    """The period's records of the source, each as its newest whole capture gives it, with ``capture`` set."""
    records = []
    for url, captured in sorted(read_captures().items()):
        moment = Capture(archive, captured.url, captured.timestamp, 200).captured_at
        capture = {"archive": archive, "timestamp": captured.timestamp, "url": captured.url}
        records.append({**captured.record, "url": url, "crawled_at": moment, "capture": capture})
    return records


def check_period(crawler: Any, corpus: Path, archive: str) -> None:
    records = read_jsonl(corpus)
    assert_valid_records(records)
    assert sorted(records, key=lambda r: r["url"]) == expected(archive)
    counters = crawler.stats.get_stats()
    assert counters["finish_reason"] == "finished"
    assert counters[stats.SKIPPED_OTHER_SOURCE] == 2  # the KCNA articles of the same days: dropped, counted
    assert counters[stats.WEB_ARCHIVE_CAPTURES_SKIPPED] == 1  # the press statement's newest capture: the gate
    assert not [key for key in counters if key.startswith(stats.ERRORS)]
    health = json.loads((corpus.parent / "vok.health.json").read_text())
    assert health["road"] == "archive"
    web_archive = health["web_archive"]
    assert web_archive["articles"] == len(read_captures()) + 2 and web_archive["captures_read"] == len(records) + 2
    # Every request: the index's answers, one a capture read, the captures passed over, and pywb's robots.txt.
    reads = web_archive["index_answers"] + web_archive["captures_read"] + web_archive["captures_skipped"]
    assert counters["downloader/request_count"] == reads + counters["robotstxt/request_count"]
    state = json.loads((corpus.parent / "vok.state.json").read_text())
    assert state["complete"] is False and state["pending"] == [] and state["gated"] == []
    # The crawl's own archive keeps what the web archive answered, each capture marked as one.
    marked = archive_captures_kept(corpus.parent)
    assert len(marked) == web_archive["captures_read"] + web_archive["captures_skipped"]
    assert {(r["capture"]["archive"], r["capture"]["timestamp"], r["capture"]["url"]) for r in records} <= set(marked)


def archive_captures_kept(folder: Path) -> list[tuple[str, str, str]]:
    """The web archive's captures the crawl's own WARC files keep: (archive, timestamp, URL captured) each."""
    [warcs] = {path.parent for path in folder.rglob("*.warc.gz")}
    kept = []
    for stored in iter_archive(warcs):
        headers = stored.record.rec_headers
        if stored.record.rec_type == "response" and headers.get_header(CAPTURE_TIMESTAMP_HEADER):
            names = (CAPTURE_ARCHIVE_HEADER, CAPTURE_TIMESTAMP_HEADER, CAPTURE_TARGET_HEADER)
            kept.append(tuple(headers.get_header(name) for name in names))
    return kept


@pytest.mark.parametrize("collection", [PLAIN, PAGED])
@pytest_twisted.inlineCallbacks
def test_a_period_from_pywb_alone_gives_exactly_the_periods_articles_of_the_source(web_archive, tmp_path, collection):
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, START, POSTED, **archive_settings(web_archive, collection))
    check_period(crawler, corpus, web_archive.origin.removeprefix("http://"))


@pytest_twisted.inlineCallbacks
def test_the_same_period_through_warc_byte_ranges_gives_the_same_records(web_archive, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    with serve(File(str(web_archive.warc_folder))) as warcs:
        crawler = yield crawl(corpus, START, POSTED, **archive_settings(web_archive, PAGED, f"{warcs}/"))
    check_period(crawler, corpus, web_archive.origin.removeprefix("http://"))


GONE = (FISHERMEN, SOWING, LETTER)  # refused by the live site (gone, or 403); whole in the archive


@pytest.mark.parametrize(("fault", "kind"), [("gone", "http_404"), ("403", "http_403")])
@pytest_twisted.inlineCallbacks
def test_a_listing_crawl_filled_from_pywb_completes_the_corpus_once_and_counts_what_the_archive_lacks(
    web_archive, tmp_path, fault, kind
):
    """Three articles gone (404) or refused (403), two behind the gate without a session: read from their newest
    whole capture; the one the archive holds only behind the gate (the drills) and the dead related link: not
    written, counted."""
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, faults={f"/{path}/": fault for path in GONE})
    with serve(site) as origin:
        aliases = f"{second_name(origin)} kcnawatch.org {SECOND_NAME}"  # the archive's captures: the site's names
        settings = archive_settings(web_archive, PLAIN, VOK_HOST_ALIASES=aliases)
        crawler = yield crawl(corpus, f"{origin}/article/163/", {"fill": "archive"}, **settings)
    records = {record["url"]: record for record in read_jsonl(corpus)}
    assert_valid_records(list(records.values()))
    expected = expected_records(origin)
    drills = f"{origin}/{DRILLS}/"
    assert set(records) == set(expected) - {drills} and len(read_jsonl(corpus)) == len(records)  # each once
    archived = {f"{origin}/{path}/" for path in (*GONE, PRESS_STATEMENT, ENLARGED_MEETING)}
    host = web_archive.origin.removeprefix("http://")
    check_filled(records, expected, archived, origin, host)
    assert crawler.stats.get_value(stats.error(kind)) == len(GONE) + (kind == "http_404")  # the dead related link
    assert crawler.stats.get_value(stats.error("http_404")) == len(GONE) * (kind == "http_404") + 1
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["web_archive"]["fill"] == {"found": 5, "not_found": 2}
    assert health["finish_reason"] == "finished"
    state = json.loads((tmp_path / "vok.state.json").read_text())
    assert state["gated"] == [drills] and state["pending"] == []
    assert not set(state["skipped"]) & set(records)  # gone from the site, read after all: not skipped next time
    # The report counts the articles by where their text was read.
    counted = CorpusCount()
    for record in records.values():
        counted.add(record)
    figures = counted.figures()
    assert figures.read_from == {LIVE_SITE: len(records) - len(archived), host: len(archived)}
    page = lxml.html.fromstring(render(figures, str(corpus)))
    [table] = page.xpath("//h2[.='Where the texts were read']/following-sibling::table[1]")
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")]
    assert rows == [[LIVE_SITE, str(len(records) - len(archived))], [host, str(len(archived))]]


@pytest_twisted.inlineCallbacks
def test_a_gate_met_with_a_session_is_not_looked_up_in_the_archive(web_archive, tmp_path, caplog):
    """With a session, a gate met is the session's failure to open it (counted towards VOK_SESSION_LOST_AFTER),
    not the site refusing the article: the articles stay gated for the session, the archive is not asked."""
    caplog.set_level(logging.INFO, logger=archive_reading.__name__)
    corpus = tmp_path / "vok.jsonl"
    session = {"VOK_COOKIES_FILE": str(stale_cookies(tmp_path)), "VOK_SESSION_LOST_AFTER": 10}
    with serve(FaultySite(SAMPLE_SITE, faults={})) as origin:
        aliases = f"{second_name(origin)} kcnawatch.org {SECOND_NAME}"
        settings = archive_settings(web_archive, PLAIN, VOK_HOST_ALIASES=aliases, **session)
        yield crawl(corpus, f"{origin}/article/163/", {"fill": "archive"}, **settings)
    gated = sorted(f"{origin}/{path}/" for path in (PRESS_STATEMENT, ENLARGED_MEETING, DRILLS))
    assert sorted(json.loads((tmp_path / "vok.state.json").read_text())["gated"]) == gated
    assert not set(gated) & {record["url"] for record in read_jsonl(corpus)}
    looked_up = [record.args for record in caplog.records if record.msg.startswith("Looking %s up in the web archive")]
    assert len(looked_up) == 1 and not {url for url, _ in looked_up} & set(gated)  # the dead related link (a 404)
    assert json.loads((tmp_path / "vok.health.json").read_text())["web_archive"]["fill"] == {"found": 0, "not_found": 1}


def check_filled(
    records: dict[str, dict[str, Any]], expected: dict[str, dict], archived: set[str], origin: str, host: str
) -> None:
    """Each record as the samples give it; those ``archived`` from their newest whole capture, named in ``capture``
    with its time as ``crawled_at``, the others with ``capture`` null."""
    newest = {url.replace("https://kcnawatch.org", origin): captured for url, captured in read_captures().items()}
    for url, record in records.items():
        if url not in archived:
            assert record["capture"] is None, url
            continue
        captured = newest[url]
        assert record["capture"] == {"archive": host, "timestamp": captured.timestamp, "url": captured.url}
        assert record["crawled_at"] == Capture(host, captured.url, captured.timestamp, 200).captured_at
        assert {**record, "crawled_at": None, "capture": None} == {**expected[url], "crawled_at": None}


class RefusingArchive(Resource):
    """An index that answers every question 429 (``Retry-After: 0``), counting them; no robots.txt."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.hits: Counter[str] = Counter()

    def render_GET(self, request: Any) -> bytes:
        path = request.path.decode()
        self.hits[path] += 1
        request.setResponseCode(404 if path == "/robots.txt" else 429)
        request.setHeader(b"Retry-After", b"0")
        return b"Too many requests"


@pytest.mark.parametrize("limit", [2, 3])
@pytest_twisted.inlineCallbacks
def test_an_archive_that_keeps_refusing_ends_the_run_as_archive_refused_at_the_limit(tmp_path, caplog, limit):
    """Each question retried once (no sooner than Retry-After), then refused; ``VOK_BLOCKED_AFTER`` in a row stop
    the run, which keeps what is left: the period is asked again by the next run."""
    corpus = tmp_path / "vok.jsonl"
    archive = RefusingArchive()
    with serve(archive) as origin, caplog.at_level(logging.ERROR):
        settings = {"VOK_ARCHIVE_CDX": f"{origin}/cdx", "VOK_ARCHIVE_REPLAY": f"{origin}/", "VOK_ARCHIVE_DELAY": 0}
        settings |= {"VOK_HOST_ALIASES": ALIASES, "VOK_BLOCKED_AFTER": limit, **QUICK}
        crawler = yield crawl(corpus, START, POSTED, **settings)
    counters = crawler.stats.get_stats()
    assert counters["finish_reason"] == ARCHIVE_REFUSED
    # One question at a time: the limit-th refused in a row stops the run, and nothing is asked after it.
    assert counters[stats.error("http_429")] == limit and archive.hits["/cdx"] == 2 * limit  # each retried once
    assert counters[stats.retry("retry_after")] == limit  # no sooner than its Retry-After
    assert stats.REFUSALS not in counters  # the archive's refusals are not the site's
    [stop] = [record.getMessage() for record in caplog.records if "has refused" in record.getMessage()]
    assert f"has refused {limit} requests in a row" in stop and advice(ARCHIVE_REFUSED) in stop
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == ARCHIVE_REFUSED


WAYBACK_ANSWER = Path(__file__).resolve().parent / "fixtures" / "wayback-cdx-answer.json"


class WaybackMachine(Resource):
    """The Wayback Machine's two services on loopback: its CDX server answering from the saved list-style answer
    (the rows under the question's prefix; the resume key after the rows that end the saved page, and nothing
    more when asked from it), and its raw replay of those captures (the samples' pages; the enlarged meeting's
    newer capture, the sign-up form's)."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.rows = json.loads(WAYBACK_ANSWER.read_text())
        self.asked: list[dict[str, list[str]]] = []
        gate = behind_the_gate(ENLARGED_MEETING, "20260310120000").body
        self.bodies = {"20260301080312": FISHERMEN, "20260315080000": FISHERMEN, "20260302120000": SOWING}
        self.bodies |= {"20260302230000": ENLARGED_MEETING}
        self.pages = {ts: sample_page(path) for ts, path in self.bodies.items()} | {"20260310120000": gate}

    def render_GET(self, request: Any) -> bytes:
        path = request.path.decode()
        if path == "/cdx/search/cdx":
            return self._index(request)
        timestamp = path.removeprefix("/web/").split("id_/", 1)[0]
        if timestamp not in self.pages:
            request.setResponseCode(404)
            return b"not in the archive"
        request.setHeader(b"Content-Type", b"text/html; charset=UTF-8")
        return self.pages[timestamp]

    def _index(self, request: Any) -> bytes:
        args = {key.decode(): [v.decode() for v in values] for key, values in request.args.items()}
        self.asked.append(args)
        names, *captures, empty, key = self.rows
        if "resumeKey" in args:
            return json.dumps([names]).encode()
        prefix = args["url"][0].removeprefix("kcnawatch.org")
        under = [row for row in captures if urlsplit(row[2]).path.startswith(prefix)]
        tail = [empty, key] if under and under[-1] == captures[-1] else []
        return json.dumps([names, *under, *tail] if under else []).encode()


@pytest_twisted.inlineCallbacks
def test_the_wayback_machines_list_style_answer_drives_the_same_road(tmp_path):
    """Read in its style (rows, the resume key asked back as it came); the gate's newer capture passed over."""
    corpus = tmp_path / "vok.jsonl"
    wayback = WaybackMachine()
    with serve(wayback) as origin:
        settings = {"VOK_ARCHIVE_CDX": f"{origin}/cdx/search/cdx", "VOK_ARCHIVE_REPLAY": f"{origin}/web/"}
        crawler = yield crawl(corpus, START, POSTED, **settings, VOK_ARCHIVE_DELAY=0, VOK_HOST_ALIASES=ALIASES)
    host = origin.removeprefix("http://")
    read = {FISHERMEN: "20260315080000", SOWING: "20260302120000", ENLARGED_MEETING: "20260302230000"}
    originals = {row[1]: row[2] for row in wayback.rows[1:-2]}
    wanted = [
        {
            **sample_record(path),
            "crawled_at": Capture(host, originals[ts], ts, 200).captured_at,
            "capture": {"archive": host, "timestamp": ts, "url": originals[ts]},
        }
        for path, ts in sorted(read.items())
    ]
    assert sorted(read_jsonl(corpus), key=lambda r: r["url"]) == wanted
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert crawler.stats.get_value(stats.WEB_ARCHIVE_CAPTURES_SKIPPED) == 1  # the newer capture: the sign-up form
    resumed = [args for args in wayback.asked if "resumeKey" in args]
    assert [args["resumeKey"] for args in resumed] == [[unquote_plus(wayback.rows[-1][0])]]  # sent back as it came
    assert all(args["filter"] == ["statuscode:200"] and args["showResumeKey"] == ["true"] for args in wayback.asked)


class WaybackFailingOne(WaybackMachine):
    """The same, its index failing (503) the one question whose prefix holds the fishermen's posting."""

    def _index(self, request: Any) -> bytes:
        prefix = request.args[b"url"][0].decode().removeprefix("kcnawatch.org")
        if f"/{FISHERMEN}".startswith(prefix):
            self.asked.append({"failed": [prefix]})
            request.setResponseCode(503)
            return b"Service Unavailable"
        return super()._index(request)


@pytest_twisted.inlineCallbacks
def test_a_question_the_index_fails_for_good_ends_the_run_archive_incomplete_with_the_rest_written(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    wayback = WaybackFailingOne()
    with serve(wayback) as origin:
        settings = {"VOK_ARCHIVE_CDX": f"{origin}/cdx/search/cdx", "VOK_ARCHIVE_REPLAY": f"{origin}/web/"}
        settings |= {"VOK_ARCHIVE_DELAY": 0, "VOK_HOST_ALIASES": ALIASES, **QUICK}
        crawler = yield crawl(corpus, START, POSTED, **settings)
    assert sorted(record["url"] for record in read_jsonl(corpus)) == sorted(
        f"https://kcnawatch.org/{path}/" for path in (SOWING, ENLARGED_MEETING)
    )
    [failed, retried] = [args["failed"] for args in wayback.asked if "failed" in args]  # asked, then retried once
    assert failed == retried == ["/newstream/17722"]  # the period's question that holds the fishermen's posting
    assert crawler.stats.get_value("finish_reason") == ARCHIVE_INCOMPLETE
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == ARCHIVE_INCOMPLETE and health["web_archive"]["index_failed"] == 1


def test_an_answer_to_an_earlier_runs_request_is_left_and_this_run_asks_its_own():
    """A paused run's request (JOBDIR) comes back to a run whose look-ups are its own: left, neither read nor
    counted, and this run's question stays the one under way."""
    vok = spider(**POSTED)
    reading = vok.archive_reading
    [first] = list(vok.crawl_context.road.first_requests(vok))  # one question at a time
    earlier = first.replace(meta={**first.meta, ARCHIVE_RUN: "an earlier run"})
    assert list(vok.road_page(TextResponse(first.url, body=b"", request=earlier))) == []
    assert list(reading.failed(earlier, "http_503", vok)) == []
    assert reading.asking and reading.lookups[archive_reading.PERIOD].unanswered == len(reading.queue) + 1
    counters = vok.crawler.stats.get_stats()
    assert stats.WEB_ARCHIVE_INDEX_ANSWERS not in counters and stats.WEB_ARCHIVE_INDEX_FAILED not in counters
    [following] = list(vok.road_page(TextResponse(first.url, body=b"", request=first)))  # this run's: read
    assert following.meta[ARCHIVE_RUN] == reading.run and following.url != first.url
    assert vok.crawler.stats.get_value(stats.WEB_ARCHIVE_INDEX_ANSWERS) == 1
