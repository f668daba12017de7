"""A crawl through every fault the issue names: each is logged and counted, and the crawl goes on."""

from __future__ import annotations

import logging

import pytest
import pytest_twisted

from tests.conftest import (
    SAMPLE_SITE,
    comparable,
    crawl,
    expected_records,
    read_jsonl,
    serve,
)
from tests.fault_site import WITH_EXTRA_TEASERS, FaultySite

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


@pytest.fixture
def faulty_server():
    resource = FaultySite(SAMPLE_SITE, FAULTS, rewrite=[WITH_EXTRA_TEASERS])
    with serve(resource) as origin:
        yield origin, resource


@pytest_twisted.inlineCallbacks
def test_every_fault_is_survived_logged_and_counted(faulty_server, tmp_path, caplog):
    origin, site = faulty_server
    corpus = tmp_path / "vok.jsonl"
    with caplog.at_level(logging.INFO):
        crawler = yield crawl(corpus, f"{origin}/article/163/", **FAST_FAULTS)
    stats = crawler.stats.get_stats()
    log = caplog.text

    # Everything but the page over DOWNLOAD_MAXSIZE is there, exactly as expected (the
    # mis-labelled page included, Korean and curly quotes intact).
    expected = expected_records(origin)
    del expected[origin + HUGE]
    assert comparable(read_jsonl(corpus)) == comparable(expected.values())
    assert stats["finish_reason"] == "finished"

    # 429 and 503: retried no sooner than Retry-After said (1 s).
    for fault in ("429", "503"):
        path = next(p for p, f in FAULTS.items() if f == fault)
        first, second = site.times[path][:2]
        assert second - first >= 0.9
    assert stats["vok/retry/retry_after"] == 2
    assert "(retry-after)" in log
    # 500 twice, a timeout, a reset and a truncated body: retried with backoff.
    assert stats["vok/retry/backoff"] >= 5
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    assert stats["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] == 1
    assert any("Connection" in key or "DownloadFailed" in key for key in stats if key.startswith("retry/reason_count/"))
    # The lying charset header.
    assert stats["vok/charset/header_overridden"] == 1
    assert "header says charset cp1252, the page says utf-8" in log
    # Over DOWNLOAD_MAXSIZE: given up, logged, counted; the page is final, not pending.
    assert stats["vok/errors/too_large"] == 1
    assert f"Giving up on {origin}{HUGE}: too_large" in log
    # The redirect off the site is not followed; javascript: and mailto: are not links.
    assert stats["vok/redirects/off_site"] == stats["vok/errors/ignored"] == 1
    assert "redirect off the site, to http://localhost:" in log
    assert "localhost" not in str(site.hits)
    assert stats["vok/links/not_web"] == 2
    assert "Ignoring javascript: link" in log and "Ignoring mailto: link" in log
    # The "More Articles" loop.
    assert stats["vok/links/slice_seen_again"] == 1
    assert "points back to" in log
    # The health report says it all.
    health = (tmp_path / "vok.health.json").read_text()
    assert '"too_large": 1' in health and '"http_404": 1' in health


@pytest_twisted.inlineCallbacks
def test_an_article_that_stays_down_is_fetched_by_the_next_run(tmp_path):
    path = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"
    corpus = tmp_path / "vok.jsonl"
    down = FaultySite(SAMPLE_SITE, {path: "down"})
    with serve(down) as origin:
        crawler = yield crawl(corpus, f"{origin}/article/163/", RETRY_TIMES=1, VOK_RETRY_BACKOFF_BASE=0.01)
        assert crawler.stats.get_value("vok/errors/http_5xx") == 1
        assert origin + path in (tmp_path / "vok.state.json").read_text()
        down.faults.clear()  # the site is back
        down.hits.clear()
        yield crawl(corpus, f"{origin}/article/163/")
    # The pending page is asked for; the walk stops at the first slice with nothing new (the
    # page of another source and the dead link, skipped last time, are not asked for again).
    first_slice = "/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=163&sort=&to=24"
    assert set(down.hits) == {"/robots.txt", "/article/163/", path, first_slice}
    assert {r["url"] for r in read_jsonl(corpus)} == set(expected_records(origin))
    assert '"pending": []' in (tmp_path / "vok.state.json").read_text()
