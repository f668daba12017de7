"""An operator's bad day, in one bounded run: every fault at once, then normal days until the walk completes.

Against one loopback site that serves a 403 for one article and a 200
"server busy" page for another: two crawls started on one corpus, the first
killed with SIGKILL at a random point of its progress (a count of requests), a run on a disk that fills up partway
through a record, then healthy runs (faults gone) until the state says the
walk is complete. At the end: no article lost, none twice, no invalid line,
and each step exited as it should.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from tests.conftest import QUICK, SAMPLE_SITE, run_scrapy, serve
from tests.fault_site import FaultySite
from tests.test_crash import assert_whole_corpus, start_crawl, subscriber_crawl, wait_for

FORBIDDEN = "/newstream/1771280000-381500825/ceramic-tea-set/"
BUSY = "/newstream/1771366400-381500826/successes-registered-in-salt-production/"
SEED = 20261124  # the kill point is random, and the same in every run of the test
# The kill lands after this many requests reached the site (of about 50 in a whole crawl):
# on the crawl's own progress, so that a busy machine cannot make it land after the end.
KILL_AFTER_REQUESTS = (5, 40)
HEALTHY_RUNS = 4  # a bound: the walk must complete within these


def run_crawl(origin: str, corpus: Path, **options: Any) -> Deferred[subprocess.CompletedProcess[str]]:
    """A crawl as the first one (:func:`start_crawl`), run to its end off the reactor's thread."""
    return deferToThread(run_scrapy, *subscriber_crawl(origin, corpus, **QUICK), timeout=600, **options)


def full_disk_after(size: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def state_of(corpus: Path) -> dict:
    return json.loads(corpus.with_name("vok.state.json").read_text())


@pytest_twisted.inlineCallbacks
def test_kills_a_full_disk_a_second_crawl_and_refusals_lose_nothing(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, faults={FORBIDDEN: "403", BUSY: "busy"}, delay=0.05)
    with serve(site) as origin:
        first = start_crawl(origin, corpus, **QUICK)
        yield wait_for(lambda: corpus.with_name("vok.lock").exists() and corpus.with_name("vok.state.json").exists())
        first.send_signal(signal.SIGSTOP)  # paused, the lock held: it cannot finish while the second one starts
        second = yield run_crawl(origin, corpus)
        first.send_signal(signal.SIGCONT)
        assert second.returncode != 0 and "one crawl per corpus" in second.stderr  # refused, not run
        assert f"process {first.pid}" in second.stderr

        kill_at = random.Random(SEED).randint(*KILL_AFTER_REQUESTS)
        yield wait_for(lambda: sum(site.hits.values()) >= kill_at or first.poll() is not None)
        first.send_signal(signal.SIGKILL)
        assert first.wait() == -signal.SIGKILL, "the first crawl ended before it could be killed"

        size = corpus.stat().st_size if corpus.exists() else 0
        full = yield run_crawl(origin, corpus, preexec_fn=full_disk_after(size + 8_000))
        assert full.returncode != 0 and "Could not write to the corpus" in full.stderr
        state = state_of(corpus)
        assert not state["complete"] and not {origin + FORBIDDEN, origin + BUSY} & set(
            state["skipped"]
        )  # never forgotten

        site.faults.clear()  # the site is healthy again, and so is the disk
        exits = []
        for _ in range(HEALTHY_RUNS):
            run = yield run_crawl(origin, corpus)
            exits.append(run.returncode)
            state = state_of(corpus)
            if state["complete"] and not state["pending"]:
                break
        assert exits and set(exits) == {0}
        assert state["complete"] and state["pending"] == [] and state["gated"] == []
    assert_whole_corpus(corpus, origin)
