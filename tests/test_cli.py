"""The commands a user types, run as subprocesses in the project root."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest_twisted
from twisted.internet.utils import getProcessOutputAndValue

from tests.conftest import (
    COOKIES,
    ROOT,
    assert_valid_records,
    comparable,
    expected_records,
    read_jsonl,
)

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]


@pytest_twisted.inlineCallbacks
def test_scrapy_crawl_vok_writes_the_feed_and_the_corpus(sample_server, tmp_path):
    """``-O out.jsonl`` works as Scrapy users expect, and the corpus is written as well."""
    feed, corpus = tmp_path / "out.jsonl", tmp_path / "corpus" / "vok.jsonl"
    args = ["-m", "scrapy", "crawl", "vok", "-a", f"start_url={sample_server.origin}/article/163/",
            "-a", "_job=from-scrapyd", "-O", str(feed), "-s", f"VOK_CORPUS={corpus}", "-s", f"VOK_COOKIES_FILE={COOKIES}", *FAST]
    out, err, code = yield getProcessOutputAndValue(sys.executable, args, env=dict(os.environ), path=str(ROOT))
    assert code == 0, err.decode()[-3000:]
    expected = comparable(expected_records(sample_server.origin).values())
    assert comparable(read_jsonl(feed)) == expected
    assert comparable(read_jsonl(corpus)) == expected
    assert_valid_records(read_jsonl(feed))
    assert b"Invalid published date '31/02/2026'" in err


def test_scrapy_samples_crawls_the_bundled_site_offline(tmp_path):
    feed, corpus = tmp_path / "samples.jsonl", tmp_path / "corpus.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "samples", "-o", str(feed), "-s", f"VOK_CORPUS={corpus}", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(feed)
    origin = records[0]["url"].split("/newstream/")[0]
    assert origin.startswith("http://127.0.0.1:")
    assert comparable(records) == comparable(expected_records(origin).values())
    assert read_jsonl(corpus) == records
