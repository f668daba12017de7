"""Crash safety: ``kill -9`` at any moment, then run again; pause and resume with JOBDIR.

The crawls are real subprocesses (``scrapy crawl vok``) against the samples
on 127.0.0.1, served slowly enough that a kill lands mid-crawl.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.conftest import (
    COOKIES,
    ROOT,
    SAMPLE_SITE,
    SLOW,
    comparable,
    crawl,
    crawl_args,
    expected_records,
    scrapy_command,
    serve,
)
from tests.fault_site import FaultySite
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET

# Requests of a whole subscriber's crawl of the samples: robots.txt, the listing, three slices (the
# last one empty), the 47 articles, the page of another source and the dead link.
WHOLE_CRAWL = 1 + 1 + 3 + len(expected_records()) + 1 + 1


def subscriber_crawl(origin: str, corpus, **settings: object) -> list[str]:
    """``crawl vok`` of the whole site at ``origin`` as its subscriber, logging at INFO, then ``settings``."""
    return crawl_args(f"{origin}/article/163/", corpus, LOG_LEVEL="INFO", VOK_COOKIES_FILE=COOKIES, **settings)


def start_crawl(origin: str, corpus, **settings: object) -> subprocess.Popen:
    """A :func:`subscriber_crawl` in a process of its own, while the test goes on; its log on ``stderr``."""
    command = scrapy_command(*subscriber_crawl(origin, corpus, **settings))
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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


@pytest.mark.parametrize(
    ("kill_after", "torn"),
    [(3, False), (WHOLE_CRAWL // 2, True), (WHOLE_CRAWL - 4, False)],
    ids=["early", "mid", "near-end"],
)
@pytest_twisted.inlineCallbacks
def test_kill_9_then_run_again_gives_every_article_exactly_once(slow_site, tmp_path, kill_after, torn):
    origin, site = slow_site
    corpus = tmp_path / "vok.jsonl"
    first = start_crawl(origin, corpus)
    yield wait_for(lambda: sum(site.hits.values()) >= kill_after or first.poll() is not None)
    first.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"
    if torn:  # as if the kill had landed in the middle of a write
        with corpus.open("a", encoding="utf-8") as file:
            file.write('{"url": "' + origin + "/newstream/torn")
    site.delay = 0
    again = start_crawl(origin, corpus)
    yield wait_for(lambda: again.poll() is not None)
    assert again.returncode == 0, again.stderr.read().decode()[-3000:]
    assert_whole_corpus(corpus, origin)


@pytest_twisted.inlineCallbacks
def test_jobdir_pause_and_resume(slow_site, tmp_path):
    origin, site = slow_site
    corpus, jobdir = tmp_path / "vok.jsonl", tmp_path / "job"
    paused = start_crawl(origin, corpus, JOBDIR=jobdir)
    yield wait_for(lambda: sum(site.hits.values()) >= 10 or paused.poll() is not None)
    paused.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy stops gracefully and keeps its queue on disk
    yield wait_for(lambda: paused.poll() is not None)
    log = paused.stderr.read().decode()
    assert "(shutdown)" in log, log[-3000:]
    assert paused.returncode == 1  # stopped, not finished: a scheduler must not take it for a whole day
    assert (jobdir / "requests.seen").exists()
    hits_before = dict(site.hits)
    site.delay = 0
    resumed = start_crawl(origin, corpus, JOBDIR=jobdir)
    yield wait_for(lambda: resumed.poll() is not None)
    assert resumed.returncode == 0, resumed.stderr.read().decode()[-3000:]
    assert_whole_corpus(corpus, origin)
    refetched = [
        uri
        for uri, n in site.hits.items()
        if uri.startswith("/newstream/") and n > hits_before.get(uri, 0) and uri in hits_before
    ]
    assert refetched == []  # what the first part fetched is not fetched again


@pytest_twisted.inlineCallbacks
def test_a_torn_last_line_under_a_complete_state_is_fetched_again(sample_server, tmp_path):
    # A crawl that completed; then its last record is torn (a copy cut short, a disk that lost the
    # tail). The state still says the walk is complete, so the next run is incremental: the torn
    # article, cut on open, must be fetched again all the same. The last line is made an article
    # of the deepest slice, which an incremental walk never reaches.
    origin, site = sample_server.origin, sample_server.resource
    corpus = tmp_path / "vok.jsonl"
    crawler = yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    deepest = min(lines, key=lambda line: json.loads(line)["posted_at"])
    lines.remove(deepest)
    corpus.write_text("".join(lines) + deepest[: len(deepest) // 2], encoding="utf-8")
    assert json.loads((tmp_path / "vok.state.json").read_text())["complete"] is True
    site.hits.clear()
    crawler = yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert json.loads(deepest)["url"].removeprefix(origin) in site.hits
    assert_whole_corpus(corpus, origin)


@pytest_twisted.inlineCallbacks
def test_a_paused_subscribers_crawl_keeps_no_cookie_in_its_jobdir(tmp_path):
    # Every article answers 500 for a while: retries wait in the scheduler's queue, on disk under
    # JOBDIR, when the crawl is paused. Cookies are secrets: no file of the crawl may hold one.
    site = FaultySite(SAMPLE_SITE, delay=SLOW)
    site.refuse = (500, {"/robots.txt", "/article/163/"})
    with serve(site) as origin:
        corpus, jobdir = tmp_path / "vok.jsonl", tmp_path / "job"
        paused = start_crawl(origin, corpus, JOBDIR=jobdir, RETRY_TIMES=10, VOK_RETRY_BACKOFF_BASE=0)
        yield wait_for(lambda: sum(site.hits.values()) >= 20 or paused.poll() is not None)
        paused.send_signal(signal.SIGINT)
        yield wait_for(lambda: paused.poll() is not None)
    log = paused.stderr.read()
    assert b"(shutdown)" in log, log.decode()[-3000:]
    assert SUBSCRIBER_SECRET.encode() not in log
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.parent.parent.name == "requests.queue" for path in files)  # requests were left queued
    assert [str(path) for path in files if SUBSCRIBER_SECRET.encode() in path.read_bytes()] == []
