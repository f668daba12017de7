"""``scrapy report`` and ``scrapy export``: a corpus made by real crawls, counted here independently.

The corpus comes from two crawls of the samples served on 127.0.0.1 (three
articles gated, one down: pending; then a revisit that finds one article
changed and one withdrawn), and the commands run as subprocesses. The page
is opened from disk by a real headless Chromium, and the database served
by a real Datasette on a free loopback port.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer

from tests.conftest import CHROMIUM, ROOT, SAMPLE_SITE, crawl, needs_browser, read_jsonl, run_scrapy, serve
from tests.fault_site import FaultySite
from vok_crawler.coverage import BACK_CATALOGUE_DAYS, LISTED, CorpusCount, day

DOWN = "/newstream/1769042400-381500709/power-stations-boost-electricity-generation/"
CHANGED = "/newstream/1768351680-381500717/national-chess-tournament-held/"
WITHDRAWN = "/newstream/1768438020-381500716/forest-restoration-campaign-reviewed/"


@defer.inlineCallbacks
def crawled_corpus(folder: Path):
    """A corpus, its state, its changes and two runs' health reports, all written by real crawls."""
    corpus = folder / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, faults={DOWN: "down"})
    with serve(site) as origin:  # one origin: the sample URLs hold the port
        yield crawl(corpus, f"{origin}/article/163/", RETRY_TIMES=0, VOK_ARCHIVE="")
        site.faults[WITHDRAWN] = "gone"
        site.rewrite.append((CHANGED, b"chess tournament", b"draughts tournament"))
        days = (date.today() - date(2026, 1, 1)).days  # every sample article, whenever the test runs
        yield crawl(corpus, f"{origin}/article/163/", {"revisit": str(days)}, RETRY_TIMES=0, VOK_ARCHIVE="")
    return corpus


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return run_scrapy(*args, timeout=300)


def counted(records: list[dict]) -> dict:
    """The figures the report must show, counted from the records with nothing of the report's code."""
    posted = Counter(r["posted"] for r in records)
    first, last = min(posted), max(posted)
    every_day = [
        str(date.fromisoformat(first) + timedelta(d))
        for d in range((date.fromisoformat(last) - date.fromisoformat(first)).days + 1)
    ]
    lags = [
        (date.fromisoformat(r["posted"]) - date.fromisoformat(r["published"])).days
        for r in records
        if r.get("published")
    ]
    return {
        "articles": len(records),
        "first_posted": first,
        "last_posted": last,
        "days_without_articles": [d for d in every_day if d not in posted],
        "by_month": dict(sorted(Counter(r["posted"][:7] for r in records).items())),
        "back_catalogue": sum(1 for lag in lags if lag > BACK_CATALOGUE_DAYS),
        "dates_to_check": sum(1 for lag in lags if lag < 0),
    }


@pytest_twisted.inlineCallbacks
def test_the_report_shows_what_the_corpus_holds_counted_independently(tmp_path):
    corpus = yield crawled_corpus(tmp_path / "data")
    result = scrapy("report", str(corpus), "-o", str(tmp_path / "out" / "OUT.html"))
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "out" / "OUT.json").read_text())
    records = read_jsonl(corpus)
    expected = counted(records)
    for key in ("articles", "first_posted", "last_posted", "days_without_articles", "by_month"):
        assert figures[key] == expected[key], key
    assert figures["back_catalogue"]["count"] == expected["back_catalogue"] > 0
    assert figures["dates_to_check"]["count"] == expected["dates_to_check"] > 0
    state = json.loads(corpus.with_name("vok.state.json").read_text())
    assert (figures["gated"], figures["pending"]) == (len(state["gated"]), len(state["pending"])) == (3, 1)
    changes = Counter(json.loads(line)["change"] for line in corpus.with_name("vok.changes.jsonl").open())
    assert figures["changes"] == {"changed": changes["changed"], "deleted": changes["deleted"], "restored": 0}
    assert figures["changes"]["changed"] == figures["changes"]["deleted"] == 1
    # every run's health report is kept, and the fallback rules are summed over them
    runs = read_jsonl(corpus.with_name("vok.health.jsonl"))
    assert len(runs) == figures["runs"] == 2
    assert runs[-1] == json.loads(corpus.with_name("vok.health.json").read_text())
    fallback = Counter()
    for run in runs:
        fallback.update(run["fields_by_fallback"])
    assert figures["fields_by_fallback"] == dict(fallback) and fallback
    coverage = {name: sum(1 for r in records if r.get(name)) for name in figures["field_coverage"]}
    assert figures["field_coverage"] == coverage
    page = (tmp_path / "out" / "OUT.html").read_text()
    assert f"{len(records)} articles" in page and "<svg" in page


@needs_browser
def test_the_page_opens_from_disk_in_chromium_with_its_charts_and_loads_nothing_from_the_web(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    assert scrapy("report", str(corpus)).returncode == 0
    page_path = tmp_path / "vok.report.html"
    # Playwright's sync API wants a thread without an asyncio loop (the test reactor runs one here).
    with ThreadPoolExecutor(1) as thread:
        charts, totals, requested = thread.submit(open_in_chromium, page_path).result()
    assert charts >= 2
    assert re.search(rf"articles\s+{len(read_jsonl(corpus))}\b", totals), totals
    assert requested == [page_path.as_uri()]  # the page itself, and nothing else


def open_in_chromium(page_path: Path) -> tuple[int, str, list[str]]:
    """The charts drawn bigger than 100 px square, the totals' text, and every URL the page asked for."""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_path.as_uri())
            charts = page.evaluate(
                "[...document.querySelectorAll('svg, canvas')].map(c => c.getBoundingClientRect())"
                ".filter(box => box.width > 100 && box.height > 100).length"
            )
            return charts, page.inner_text("#totals"), requested
        finally:
            browser.close()


def write_sample_corpus(corpus: Path) -> None:
    """The samples' expected records as a corpus (the records a crawl of them writes)."""
    with corpus.open("w", encoding="utf-8") as out:
        for path in sorted(SAMPLE_SITE.glob("newstream/*/*/expected.json")):
            out.write(json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False) + "\n")


def test_figures_stream_days_and_keep_only_the_largest_gaps():
    """Bad days are counted as undated, not crashed on; a list keeps its largest gaps, the count all."""
    count = CorpusCount()
    for n in range(LISTED + 5):
        count.add({"url": f"u{n}", "posted": str(date(2026, 6, 1) + timedelta(n)), "published": "2026-01-01"})
    count.add({"url": "bad", "posted": "2026-02-30", "published": None})
    figures = count.figures()
    assert figures.articles == LISTED + 6
    assert figures.undated == {"posted": 1, "published": 1}
    assert figures.back_catalogue.count == LISTED + 5
    assert len(figures.back_catalogue.articles) == LISTED
    assert min(a.lag_days for a in figures.back_catalogue.articles) == (date(2026, 6, 6) - date(2026, 1, 1)).days
    assert day("2026-13-01") is None and day(20260101) is None


def test_a_missing_corpus_is_one_error_line_and_exit_2(tmp_path):
    for args in (
        ["report", str(tmp_path / "none.jsonl")],
        ["export", str(tmp_path / "none.jsonl"), "--sqlite", "x.db"],
    ):
        result = scrapy(*args)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines()[-1] == f"Error: no corpus at {tmp_path / 'none.jsonl'}"


@pytest.mark.parametrize(
    ("args", "package"),
    [(["report"], "matplotlib"), (["export", "--sqlite", "x.db"], "sqlite_utils")],
    ids=["report", "export"],
)
def test_a_missing_explore_package_is_one_error_line_and_exit_2(tmp_path, args, package):
    """Without the ``explore`` extra: the package missing and how to install it, in one line.

    The package is shadowed (``PYTHONPATH``) by a module that cannot be imported, as one not installed.
    """
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / f"{package}.py").write_text(f"raise ModuleNotFoundError('not installed', name={package!r})\n")
    corpus = tmp_path / "vok.jsonl"
    corpus.write_text("")
    result = run_scrapy(*args, str(corpus), env={**os.environ, "PYTHONPATH": str(shadow)}, timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'Error: scrapy {args[0]} needs {package}: pip install -e ".[explore]"'
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def rare_word(records: list[dict]) -> tuple[str, set[str]]:
    """A word of few articles (title or body, as whole words, any case), and those articles."""
    holders: dict[str, set[str]] = {}
    for record in records:
        for word in set(re.findall(r"[^\W\d_]{6,}", f"{record['title']} {record['body']}".lower())):
            holders.setdefault(word, set()).add(record["url"])
    word = min(holders, key=lambda w: (len(holders[w]), w))
    assert 0 < len(holders[word]) < len(records) / 4
    return word, holders[word]


@pytest_twisted.inlineCallbacks
def test_the_export_is_searched_through_datasette_and_brought_up_to_date_without_duplicates(tmp_path):
    corpus = yield crawled_corpus(tmp_path / "data")
    database = tmp_path / "vok.db"
    for _ in range(2):  # the second export finds every row there already
        result = scrapy("export", str(corpus), "--sqlite", str(database))
        assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(corpus)
    extra = {**records[0], "url": records[0]["url"] + "copy/", "title": "Zymurgical congress convened"}
    with corpus.open("a", encoding="utf-8") as out:  # the corpus grows: the next export adds what is new
        out.write(json.dumps(extra, ensure_ascii=False) + "\n")
    records.append(extra)
    assert scrapy("export", str(corpus), "--sqlite", str(database)).returncode == 0

    import sqlite_utils

    db = sqlite_utils.Database(database)
    assert db["articles"].count == len(records)
    assert {row["url"] for row in db["articles"].rows} == {r["url"] for r in records}
    assert db["related"].count == sum(len(r["related"]) for r in records)
    assert db["changes"].count == sum(1 for _ in corpus.with_name("vok.changes.jsonl").open())
    row = db["articles"].get(records[0]["url"])
    assert json.loads(row["related"]) == records[0]["related"] and row["body"] == records[0]["body"]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", str(database), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/-/versions.json", server)
        for word, holders in (rare_word(records), ("zymurgical", {extra["url"]})):
            query = urllib.parse.urlencode({"_search": word, "_shape": "array", "_col": "url", "_size": "max"})
            found = get_json(f"{base}/vok/articles.json?{query}")
            assert {row["url"] for row in found} == holders, word
        page = urllib.request.urlopen(f"{base}/vok/articles", timeout=30).read().decode()
        assert 'name="_search"' in page  # Datasette offers its search box
    finally:
        server.terminate()
        server.wait()


def wait_for_http(url: str, server: subprocess.Popen) -> None:
    """Until the server answers (it says so by answering), or has died."""
    while True:
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(0.1)


@pytest.mark.parametrize(("command", "missing"), [("report", "matplotlib"), ("export", "sqlite_utils")])
def test_without_the_explore_extra_the_commands_say_what_to_install(tmp_path, command, missing):
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    hide = f"import sys; sys.modules[{missing!r}] = None; from scrapy.cmdline import execute; execute()"
    args = [
        sys.executable,
        "-c",
        hide,
        command,
        str(corpus),
        *(["--sqlite", str(tmp_path / "v.db")] * (command == "export")),
    ]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == f'Error: scrapy {command} needs {missing}: pip install -e ".[explore]"'
    )
    assert not (tmp_path / "vok.report.html").exists() and not (tmp_path / "v.db").exists()
