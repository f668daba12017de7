"""Stopped runs, as an operator stops them: the exit status says so and the health report is there.

Each signal is sent on what the crawl shows (the server's count of requests,
a line of the crawl's log), never after a number of seconds: on a busy
machine a clock says nothing about where the crawl is.
"""

from __future__ import annotations

import atexit
import json
import signal
import subprocess
from pathlib import Path

import pytest
import pytest_twisted

from tests.conftest import ROOT, SAMPLE_SITE, crawl_args, scrapy_command, serve
from tests.fault_site import FaultySite
from tests.test_crash import wait_for

# Long enough that a graceful stop, which waits for the answers on their way, is still closing
# when the second signal comes: that signal is sent on the first one's log line, not on a clock.
SLOW_ANSWER = 3.0


def start_crawl(origin: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """``scrapy crawl vok`` in a process of its own; its log goes to a file the test reads."""
    log = tmp_path / "crawl.log"
    args = crawl_args(f"{origin}/article/163/", tmp_path / "vok.jsonl", LOG_LEVEL="INFO")
    crawl = subprocess.Popen(scrapy_command(*args), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    return crawl, log


def logged(log: Path, text: str):
    return lambda: text in log.read_text(errors="replace")


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        (None, "shutdown"),
        ("Received SIGTERM, shutting down gracefully", "forced_shutdown"),
        ("Spider closed", "shutdown"),
    ],
    ids=["once", "twice-while-closing", "twice-after-closing"],
)
@pytest_twisted.inlineCallbacks
def test_sigterm_once_or_twice_exits_non_zero_with_a_health_report(tmp_path, second, reason):
    site = FaultySite(SAMPLE_SITE, delay=SLOW_ANSWER)
    with serve(site) as origin:
        crawl, log = start_crawl(origin, tmp_path)
        # robots.txt answered and the listing asked for: its answer is on its way, mid-crawl
        yield wait_for(lambda: sum(site.hits.values()) >= 2 or crawl.poll() is not None)
        crawl.send_signal(signal.SIGTERM)
        if second is not None:
            # while the crawl closes (or, once closed, while the process exits): never a kill by the signal
            yield wait_for(lambda: logged(log, second)() or crawl.poll() is not None)
            crawl.send_signal(signal.SIGTERM)
        yield wait_for(lambda: crawl.poll() is not None)
    err = log.read_text(errors="replace")
    assert crawl.returncode == 1, err[-2000:]
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == reason
    assert json.loads((tmp_path / "vok.state.json").read_text())["complete"] is False


def test_a_crawl_registers_no_exit_hook_of_its_own():
    """The report of a crawl stopped without closing comes from one hook of the process, not one per crawl:
    a hook per crawl would keep every crawl of a long-lived process (Scrapyd's, a test run) until it exits."""
    from scrapy.utils.test import get_crawler

    from vok_crawler import settings
    from vok_crawler.crawl.extensions import HealthReport
    from vok_crawler.crawl.spiders.vok import VokSpider

    project = {name: getattr(settings, name) for name in dir(settings) if name.startswith("VOK_")}
    before = atexit._ncallbacks()
    reports = [HealthReport.from_crawler(get_crawler(VokSpider, settings_dict=project)) for _ in range(3)]
    assert len(reports) == 3 and atexit._ncallbacks() == before
