"""Stopped runs, as an operator stops them: the exit status says so and the health report is there."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_SITE, second_name

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]


def slow_site(port_file: Path) -> subprocess.Popen:
    """The samples, a second an answer, in a process of their own: a graceful stop takes that long."""
    server = subprocess.Popen(
        [sys.executable, "-m", "vok_crawler.sample_site", "--root", str(SAMPLE_SITE), "--port", "0", "--delay", "2.0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()  # "Serving ... on http://127.0.0.1:PORT/"
    port_file.write_text(line.rsplit(":", 1)[1].strip(" /\n"))
    return server


@pytest.mark.parametrize(("signals", "reason"), [(1, "shutdown"), (2, "forced_shutdown")])
def test_sigterm_once_or_twice_exits_non_zero_with_a_health_report(tmp_path, signals, reason):
    server = slow_site(tmp_path / "port")
    try:
        origin = f"http://127.0.0.1:{(tmp_path / 'port').read_text()}"
        crawl = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "vok",
                "-a",
                f"start_url={origin}/article/163/",
                "-s",
                f"VOK_HOST_ALIASES={second_name(origin)}",
                "-s",
                f"VOK_CORPUS={tmp_path / 'vok.jsonl'}",
                *FAST,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)  # robots.txt, then the listing asked for: mid-crawl
        for _ in range(signals):
            crawl.send_signal(signal.SIGTERM)
            time.sleep(0.05)
        _, err = crawl.communicate(timeout=60)
    finally:
        server.terminate()
        server.wait()
    assert crawl.returncode != 0, err[-2000:]
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == reason
    assert json.loads((tmp_path / "vok.state.json").read_text())["complete"] is False
