"""The browser road under faults: Chromium killed mid-run, and pages that time out under JOBDIR.

Real crawls in subprocesses, real Chromium, the samples on 127.0.0.1. The
browser of a crawl is found by its profile (``--user-data-dir``) and killed
with SIGKILL at moments the test sees: a record written, the server holding
a page the browser asked for, the log saying a browser started. Each run
must end by itself: the test waits for the process to exit, with a timeout
only as a guard against the hang these tests are about.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_twisted

from tests.challenge_site import PASS_VALUE, GuardedSite
from tests.conftest import (
    CHROMIUM,
    COOKIES,
    QUICK,
    ROOT,
    SAMPLE_SITE,
    comparable,
    crawl_args,
    expected_records,
    needs_browser,
    read_jsonl,
    scrapy_command,
    serve,
)
from tests.fault_site import FaultySite
from tests.test_browser import logged_in_profile
from tests.test_crash import wait_for
from vok_crawler import stats
from vok_crawler.finish_reasons import BROWSER_LOST
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET

# The first article the crawl asks for, and one some twenty records later: the server holds either
# (never answers its first request), so that a browser killed then dies while it loads a page.
HELD_EARLY = "/newstream/1771452800-381500827/construction-of-hospitals-and-leisure-complexes-carried-on/"
HELD_LATE = "/newstream/1770502400-381500816/spring-tree-planting-begins/"
GUARD = 600  # seconds: only a run that hangs ever meets it


class Crawl:
    """``scrapy crawl`` in a process of its own; its log read as it comes, by a thread (no pipe fills up).

    ``when_logged(text, times, action)``: ``action`` runs in that thread the
    moment the log says ``text`` for the ``times``-th time (no poll between).
    """

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            scrapy_command(*args), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.triggers: list[tuple[str, int, Callable[[], object]]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            for trigger in list(self.triggers):
                text, times, action = trigger
                if text in line and self.logged(text) >= times:
                    self.triggers.remove(trigger)
                    action()

    def when_logged(self, text: str, times: int, action: Callable[[], object]) -> None:
        self.triggers.append((text, times, action))

    def logged(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def ended(self) -> bool:
        return self.process.poll() is not None

    def log(self) -> str:
        self.reader.join(timeout=GUARD)
        return "".join(self.lines)


def browser_of(profile: Path) -> int | None:
    """The main Chromium process running with ``profile``, if one is (its helpers say ``--type=``)."""
    marker = f"--user-data-dir={profile.resolve()}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in args and not any(arg.startswith(b"--type=") for arg in args):
            return int(proc.name)
    return None


def kill_browser(profile: Path, killed: list[int]) -> None:
    """SIGKILL the profile's browser (the main process, as ``kill -9`` of it would); noted in ``killed``."""
    pid = browser_of(profile)
    assert pid is not None, "no browser to kill"
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def browser_crawl(origin: str, corpus: Path, profile: Path, **settings: object) -> list[str]:
    """``crawl vok`` of the samples through the browser road, logging at DEBUG, retrying once at once."""
    profile_settings = {"VOK_BROWSER_PROFILE": profile, "VOK_BROWSER_EXECUTABLE": CHROMIUM}
    return crawl_args(f"{origin}/article/163/", corpus, **QUICK, LOG_LEVEL="DEBUG", **profile_settings, **settings)


def records_in(corpus: Path) -> int:
    return len(corpus.read_bytes().splitlines()) if corpus.exists() else 0


def secrets_in(paths: list[Path], log: str) -> list[str]:
    """The files (and the log) that hold a session's secret: the subscriber's login or the bot check's pass."""
    found = [
        str(path)
        for path in paths
        for secret in (SUBSCRIBER_SECRET.encode(), PASS_VALUE)
        if secret in path.read_bytes()
    ]
    return found + [f"log: {secret!r}" for secret in (SUBSCRIBER_SECRET, PASS_VALUE.decode()) if secret in log]


def files_under(*directories: Path) -> list[Path]:
    return [path for directory in directories for path in directory.rglob("*") if path.is_file()]


def assert_exact_corpus(corpus: Path, origin: str) -> None:
    records = read_jsonl(corpus)
    assert len({record["url"] for record in records}) == len(records)  # each once
    assert comparable(records) == comparable(expected_records(origin).values())


@needs_browser
@pytest_twisted.inlineCallbacks
def test_a_browser_killed_mid_run_is_started_again_and_the_run_completes_exactly(tmp_path):
    # The session from the cookies file, in a fresh profile: each browser started again must get it
    # too, or the articles behind the gate would come back gated.
    site = FaultySite(SAMPLE_SITE, {HELD_LATE: "hang"})
    profile, out = tmp_path / "profile", tmp_path / "out"
    profile.mkdir()
    corpus = out / "vok.jsonl"
    killed: list[int] = []
    with serve(site) as origin:
        crawl = Crawl(browser_crawl(origin, corpus, profile, VOK_COOKIES_FILE=COOKIES))

        def kill_now() -> None:
            assert not crawl.ended(), crawl.log()[-5000:]  # the run goes on after each kill but the last
            kill_browser(profile, killed)

        # Once the first article is written; each kill then waits for a page of the next browser.
        yield wait_for(lambda: records_in(corpus) >= 1 or crawl.ended(), GUARD)
        kill_now()
        written = records_in(corpus)
        yield wait_for(lambda: records_in(corpus) > written or crawl.ended(), GUARD)
        # While it loads a page the server holds.
        yield wait_for(lambda: site.times[HELD_LATE] or crawl.ended(), GUARD)
        kill_now()
        written = records_in(corpus)
        # Between two pages: the moment the next record is written.
        yield wait_for(lambda: records_in(corpus) > written or crawl.ended(), GUARD)
        kill_now()
        yield wait_for(crawl.ended, GUARD)
    log = crawl.log()
    assert crawl.process.returncode == 0, log[-5000:]
    assert len(set(killed)) == 3
    assert_exact_corpus(corpus, origin)
    assert f"'{stats.BROWSER_LOST}': 3," in log
    assert log.count("The browser went away") == 3
    state = json.loads((out / "vok.state.json").read_text())
    assert state["complete"] and state["pending"] == state["gated"] == []
    assert secrets_in(files_under(out), log) == []
    assert browser_of(profile) is None  # the last browser closed with the run


@needs_browser
@pytest.mark.parametrize("again", ["as-it-starts", "once-started"])
@pytest_twisted.inlineCallbacks
def test_a_browser_gone_again_before_a_page_ends_the_run_with_browser_lost(tmp_path, again):
    # The browser is killed while it loads a page; the next one is killed as soon as its process is
    # there, or once Playwright has started it (while the page is being made, which Playwright 1.65
    # would wait for for ever). The run stops by itself, the unread articles pending, its lock let go.
    site = FaultySite(SAMPLE_SITE, {HELD_EARLY: "hang"})
    profile, out = tmp_path / "profile", tmp_path / "out"
    profile.mkdir()
    corpus = out / "vok.jsonl"
    killed: list[int] = []
    with serve(site) as origin:
        crawl = Crawl(browser_crawl(origin, corpus, profile, VOK_COOKIES_FILE=COOKIES))
        if again == "once-started":  # the second context started: the one of the browser after the kill
            crawl.when_logged("Browser context started", 2, lambda: kill_browser(profile, killed))
        yield wait_for(lambda: site.times[HELD_EARLY] or crawl.ended(), GUARD)
        kill_browser(profile, killed)
        if again == "as-it-starts":
            yield wait_for(lambda: browser_of(profile) not in (None, killed[0]) or crawl.ended(), GUARD)
            kill_browser(profile, killed)
        yield wait_for(crawl.ended, GUARD)
        log = crawl.log()
        assert crawl.process.returncode == 1, log[-5000:]
        assert len(set(killed)) == 2
        assert "The browser went away again before it brought a page: stopping." in log
        health = json.loads((out / "vok.health.json").read_text())
        assert health["finish_reason"] == BROWSER_LOST
        state = json.loads((out / "vok.state.json").read_text())
        assert not state["complete"] and state["finish_reason"] == BROWSER_LOST
        assert f"{origin}{HELD_EARLY}" in state["pending"]
        assert secrets_in(files_under(out), log) == []

        # The next run (the plain road, quicker: the corpus and its state are the same) reads the rest.
        rerun = Crawl(crawl_args(f"{origin}/article/163/", corpus, **QUICK, VOK_COOKIES_FILE=COOKIES))
        yield wait_for(rerun.ended, GUARD)
    assert rerun.process.returncode == 0, rerun.log()[-5000:]
    assert_exact_corpus(corpus, origin)


@needs_browser
@pytest_twisted.inlineCallbacks
def test_a_page_that_times_out_leaves_no_cookie_of_the_browser_in_the_jobdir(tmp_path):
    # The login is the profile's own (no cookies file), and the bot check sets its pass cookie in the
    # browser: the browser sends both in its Cookie header, and its headers are copied onto the request
    # (for the archive). The held page times out; its retry waits in JOBDIR's queue on disk when Ctrl-C pauses
    # the run. Neither cookie may reach a byte of it, of the log, the corpus or the state.
    site = GuardedSite(SAMPLE_SITE, challenge=503, faults={HELD_EARLY: "hang"})
    out, jobdir = tmp_path / "out", tmp_path / "job"
    corpus = out / "vok.jsonl"
    with serve(site) as origin:
        profile = logged_in_profile(tmp_path, origin)
        paused = Crawl(browser_crawl(origin, corpus, profile, JOBDIR=jobdir, DOWNLOAD_TIMEOUT=3))
        paused.when_logged(f"Retrying {origin}{HELD_EARLY} in", 1, lambda: paused.process.send_signal(signal.SIGINT))
        yield wait_for(paused.ended, GUARD)
        log = paused.log()
        assert "(shutdown)" in log and paused.process.returncode == 1, log[-5000:]
        queued = [path for path in files_under(jobdir) if path.parent.parent.name == "requests.queue"]
        assert [path for path in queued if HELD_EARLY.encode() in path.read_bytes()]  # the retry waits on disk
        assert secrets_in(files_under(out, jobdir), log) == []

        resumed = Crawl(browser_crawl(origin, corpus, profile, JOBDIR=jobdir))
        yield wait_for(resumed.ended, GUARD)
    log = resumed.log()
    assert resumed.process.returncode == 0, log[-5000:]
    assert_exact_corpus(corpus, origin)
    assert secrets_in(files_under(out, jobdir), log) == []
