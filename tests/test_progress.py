"""A crawl that says where it is: the progress line, the closing summary, and INFO as the vok crawl's level."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_twisted

from tests.conftest import ROOT, SAMPLE_SITE, crawl, crawl_args, scrapy_output, serve
from tests.fault_site import FaultySite
from vok_crawler.crawl.advice import CLOSESPIDER, UNKNOWN, advice
from vok_crawler.crawl.progress import duration, estimate
from vok_crawler.finish_reasons import ALL_GATED, BLOCKED

PROGRESS = re.compile(
    r"Progress: \d+ new articles?, \d+ known met, \d+ slices? walked, \d+ pending, \d+ gated; \d+ pages? \(\d+/min\)"
)
SHARE = re.compile(r"; (\d+)% done, about (?:\d+ h )?(?:\d+ min )?\d+ (?:s|min) left")
FAST = {"VOK_PROGRESS_INTERVAL": 0.05, "VOK_ARCHIVE": ""}


@pytest_twisted.inlineCallbacks
def test_a_crawl_logs_its_progress_and_a_full_walk_its_share_done_and_time_left(tmp_path, caplog):
    """The interval is a setting: a short one shows the line within a crawl that lasts longer than it."""
    site = FaultySite(SAMPLE_SITE, delay=0.02)  # 50 pages: the crawl outlasts several intervals
    corpus = tmp_path / "vok.jsonl"
    with serve(site) as origin, caplog.at_level(logging.INFO):
        yield crawl(corpus, f"{origin}/article/163/", **FAST)
        first = caplog.text
        offsets = {parse_qs(urlsplit(uri).query)["from"][0] for uri in site.hits if uri.startswith("/wp-admin/")}
        walked = json.loads(corpus.with_name("vok.state.json").read_text())["full_walk_slices"]
        caplog.clear()
        yield crawl(corpus, f"{origin}/article/163/", {"refresh": "1"}, **FAST)
    assert PROGRESS.search(first), first[-3000:]
    assert not SHARE.search(first)  # a first crawl: no walk's length to measure against
    assert not re.search(r"Crawled \d+ pages", first)  # the progress line stands in for LogStats'
    assert walked == len(offsets) > 0  # the first walk's length, the yardstick of the next full walk
    shares = [int(found[1]) for found in SHARE.finditer(caplog.text)]
    assert shares and all(0 <= share <= 100 for share in shares), caplog.text[-3000:]
    assert "Summary: 0 new articles; the corpus holds 44. Left for the next run: 0 pending, 3 gated." in caplog.text
    assert "Finish reason finished: nothing to do." in caplog.text


@pytest_twisted.inlineCallbacks
def test_the_crawl_logs_at_info_by_default_and_ends_with_a_summary_before_the_stats(tmp_path):
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        runs = []
        for level in ([], ["-s", "LOG_LEVEL=DEBUG"]):
            corpus = tmp_path / str(len(runs)) / "vok.jsonl"
            _out, err, code = yield scrapy_output(*crawl_args(f"{origin}/article/163/", corpus, *level, VOK_ARCHIVE=""))
            assert code == 0, err.decode()[-3000:]
            runs.append(err.decode())
    default, debug = runs
    # Only the process's first two lines, before the crawl's settings are read, are at DEBUG.
    assert " DEBUG: " not in default[default.index("Enabled addons") :] and "Scraped from" not in default
    assert debug.count("Scraped from") == 44  # -s LOG_LEVEL=DEBUG still shows every record
    summary = re.search(
        r"Summary: 44 new articles; the corpus holds 44\. Left for the next run: 0 pending, 3 gated\. "
        r"1 error\. Ran (\d+ min )?\d+ s\. Finish reason finished: nothing to do\.",
        default,
    )
    assert summary, default[-3000:]
    assert summary.start() < default.index("Dumping Scrapy stats")


def test_the_estimate_extrapolates_the_pages_per_slice_to_the_slices_left():
    assert estimate(walked=0, full_walk=10, pages=5, queued=3, elapsed=10) is None
    assert estimate(walked=2, full_walk=None, pages=5, queued=3, elapsed=10) is None
    # 2 of 10 slices walked brought 20 pages (10 fetched, 10 queued): 8 more slices bring 80 more.
    share, left = estimate(walked=2, full_walk=10, pages=10, queued=10, elapsed=60)
    assert share == pytest.approx(10 / 100) and left == pytest.approx(60 * 90 / 10)
    # The walk walked longer than the last one: only what is queued is left.
    share, left = estimate(walked=12, full_walk=10, pages=30, queued=10, elapsed=30)
    assert share == pytest.approx(30 / 40) and left == pytest.approx(10)


def test_times_and_advice_read_as_a_person_says_them():
    assert [duration(s) for s in (8.4, 133, 4800)] == ["8 s", "2 min 13 s", "1 h 20 min"]
    assert "VOK_COOKIES_FILE" in advice(ALL_GATED) and "wait" in advice(BLOCKED)
    # Given a session, only a run of gates is told otherwise: the session did not open them.
    assert "expired" in advice(ALL_GATED, session=True) and "give a subscriber's" not in advice(ALL_GATED, session=True)
    assert advice(BLOCKED, session=True) == advice(BLOCKED)
    assert advice("closespider_itemcount") == CLOSESPIDER and advice("something_new") == UNKNOWN


def test_scrapy_samples_is_short_and_ends_with_its_summary(tmp_path):
    """At the default level: no line per request or record, and the run summed up in words."""
    shutil.copy(ROOT / "scrapy.cfg", tmp_path)  # a project folder of its own: data/samples.jsonl is the user's
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "samples", "--site", str(SAMPLE_SITE), "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Scraped from" not in result.stderr and "Crawled (200)" not in result.stderr
    assert "Summary: 47 records to the feeds; no corpus (VOK_CORPUS empty)." in result.stderr


def test_every_finish_reason_of_the_project_has_its_own_advice():
    """A new finish reason without a line on what to do would end its run with the generic one."""
    from vok_crawler import finish_reasons

    reasons = [value for name, value in vars(finish_reasons).items() if name.isupper() and isinstance(value, str)]
    assert reasons and [reason for reason in reasons if advice(reason) == UNKNOWN] == []
