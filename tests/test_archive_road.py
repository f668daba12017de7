"""The archive road against real engines on 127.0.0.1: a period read from pywb alone, and from WARC byte ranges.

The tests' archive (``tests/web_archives.py``) holds captures of the
samples' pages around :data:`~tests.web_archives.PERIOD`; the live site
(``https://kcnawatch.org``) is not running, and never asked: every request
of the run goes to pywb (its CDX API and raw replay) or to the WARC files
served with byte ranges, both on loopback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.web.static import File

from tests.conftest import assert_valid_records, crawl, read_jsonl, serve
from tests.web_archives import PAGED, PERIOD, PLAIN, SECOND_NAME, Captured, Pywb, archive_captures
from vok_crawler import stats
from vok_crawler.site.captures import Capture

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
