"""Crash safety: ``kill -9`` at any moment, then run again; pause and resume with JOBDIR.

The crawls are real subprocesses (``scrapy crawl vok``) against the samples
on 127.0.0.1, served slowly enough that a kill lands mid-crawl.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.conftest import (
    ROOT,
    SAMPLE_SITE,
    comparable,
    expected_records,
    serve,
)
from tests.fault_site import FaultySite

SLOW = 0.1  # seconds per response while the crawl is to be interrupted (two at a time)


@pytest.fixture
def slow_site():
    site = FaultySite(SAMPLE_SITE, delay=SLOW)
    with serve(site) as origin:
        yield origin, site


def start_crawl(origin: str, corpus, *settings: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "scrapy", "crawl", "vok", "-a", f"start_url={origin}/article/163/",
            "-s", f"VOK_CORPUS={corpus}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "LOG_LEVEL=INFO"]
    for setting in settings:
        args += ["-s", setting]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, timeout: float = 60):
    """A Deferred that fires once ``condition()`` holds, polling without blocking the reactor."""
    deadline = time.monotonic() + timeout

    def poll():
        if condition():
            return None
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        return deferLater(reactor, 0.02, poll)

    return deferLater(reactor, 0, poll)


def assert_whole_corpus(corpus, origin):
    lines = corpus.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is valid JSON
    urls = [record["url"] for record in records]
    assert len(urls) == len(set(urls))  # each article once
    expected = expected_records(origin)
    assert comparable(records) == comparable(expected.values())


@pytest.mark.parametrize(("kill_after", "torn"), [(3, False), (12, True), (22, False)], ids=["early", "mid", "near-end"])
@pytest_twisted.inlineCallbacks
def test_kill_9_then_run_again_gives_every_article_exactly_once(slow_site, tmp_path, kill_after, torn):
    origin, site = slow_site
    corpus = tmp_path / "vok.jsonl"
    crawl = start_crawl(origin, corpus)
    yield wait_for(lambda: sum(site.hits.values()) >= kill_after or crawl.poll() is not None)
    crawl.send_signal(signal.SIGKILL)
    assert crawl.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"
    if torn:  # as if the kill had landed in the middle of a write
        with corpus.open("a", encoding="utf-8") as file:
            file.write('{"url": "' + origin + '/newstream/torn')
    site.delay = 0
    again = start_crawl(origin, corpus)
    yield wait_for(lambda: again.poll() is not None)
    assert again.returncode == 0, again.stderr.read().decode()[-3000:]
    assert_whole_corpus(corpus, origin)


@pytest_twisted.inlineCallbacks
def test_jobdir_pause_and_resume(slow_site, tmp_path):
    origin, site = slow_site
    corpus, jobdir = tmp_path / "vok.jsonl", tmp_path / "job"
    crawl = start_crawl(origin, corpus, f"JOBDIR={jobdir}")
    yield wait_for(lambda: sum(site.hits.values()) >= 10 or crawl.poll() is not None)
    crawl.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy stops gracefully and keeps its queue on disk
    yield wait_for(lambda: crawl.poll() is not None)
    log = crawl.stderr.read().decode()
    assert "(shutdown)" in log, log[-3000:]
    assert crawl.returncode == 1  # stopped, not finished: a scheduler must not take it for a whole day
    assert (jobdir / "requests.seen").exists()
    hits_before = dict(site.hits)
    site.delay = 0
    resumed = start_crawl(origin, corpus, f"JOBDIR={jobdir}")
    yield wait_for(lambda: resumed.poll() is not None)
    assert resumed.returncode == 0, resumed.stderr.read().decode()[-3000:]
    assert_whole_corpus(corpus, origin)
    refetched = [uri for uri, n in site.hits.items() if uri.startswith("/newstream/") and n > hits_before.get(uri, 0) and uri in hits_before]
    assert refetched == []  # what the first part fetched is not fetched again
