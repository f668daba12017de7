"""``scrapy report`` and ``scrapy export``: a corpus made by real crawls, counted here independently.

The corpus comes from two crawls of the samples served on 127.0.0.1 (three
articles gated, one down: pending; then a revisit that finds one article
changed and one withdrawn), and the commands run as subprocesses. The page
is opened from disk by a real headless Chromium, and the database served
by a real Datasette on a free loopback port.
"""

from __future__ import annotations

import json
import logging
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
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest
import pytest_twisted
from matplotlib.dates import num2date
from twisted.internet import defer

from tests.conftest import (
    CHROMIUM,
    ROOT,
    SAMPLE_SITE,
    crawl,
    expected_records,
    needs_browser,
    read_jsonl,
    run_scrapy,
    serve,
)
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.tools.coverage import CorpusCount, day
from vok_crawler.tools.figures import LISTED
from vok_crawler.tools.report_page import chart_days, daily_chart, monthly_chart, yearly_chart

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


def korea_today() -> date:
    return datetime.now(timezone(timedelta(hours=9))).date()


def every_day(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [str(start + timedelta(n)) for n in range((end - start).days + 1)]


def plausible(day: str | None) -> bool:
    """From 1990 to today (in Korea): a day to count; any other is a date to check."""
    return bool(day) and "1990-01-01" <= str(day) <= str(korea_today())


def lag(record: dict) -> int:
    return (date.fromisoformat(record["posted"]) - date.fromisoformat(record["published"])).days


def runs_of(days: list[str]) -> list[list[str]]:
    """Consecutive days as runs, the longest first (of equal length, the earlier first)."""
    runs: list[list[str]] = []
    for day_ in days:
        if runs and str(date.fromisoformat(runs[-1][-1]) + timedelta(1)) == day_:
            runs[-1].append(day_)
        else:
            runs.append([day_])
    return sorted(runs, key=lambda run: (-len(run), run[0]))


def date_classes(records: list[dict]) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """The records with a day outside 1990 to today, those with two plausible days, the back catalogue (posted
    more than 30 days after it was published), and the current stream (every other one with a published day)."""
    out_of_range = [r for r in records if any(r.get(k) and not plausible(r[k]) for k in ("published", "posted"))]
    dated = [r for r in records if r not in out_of_range and r.get("published") and r.get("posted")]
    back = [r for r in dated if lag(r) > 30]
    current = [r for r in records if plausible(r.get("published")) and r not in back]
    return out_of_range, dated, back, current


def years_of(current: list[dict], back: list[dict]) -> dict:
    years = Counter(int(r["published"][:4]) for r in current)
    back_years = Counter(int(r["published"][:4]) for r in back)
    span = range(min([*years, *back_years]), max([*years, *back_years]) + 1)
    return {f"{y:04d}": {"current_stream": years[y], "back_catalogue": back_years[y]} for y in span}


def counted(records: list[dict]) -> dict:
    """The figures the report must show, counted from the records with nothing of the report's code.

    A day outside 1990 to today is a date to check and no day of a chart; the current stream's span runs
    from the first of its published days to the last.
    """
    out_of_range, dated, back, current = date_classes(records)
    published = Counter(r["published"] for r in records if plausible(r.get("published")))
    posted = Counter(r["posted"] for r in records if plausible(r.get("posted")))
    first, last = min(r["published"] for r in current), max(r["published"] for r in current)
    empty = [d for d in every_day(first, last) if d not in published]
    return {
        "articles": len(records),
        "first_posted": min(posted),
        "last_posted": max(posted),
        "current_stream": {"first": first, "last": last, "articles": len(current)},
        "days_without_articles": len(empty),
        "gaps": [{"first": run[0], "last": run[-1], "days": len(run)} for run in runs_of(empty)],
        "by_month": dict(sorted(Counter(d[:7] for d in posted.elements()).items())),
        "by_month_published": dict(sorted(Counter(d[:7] for d in published.elements()).items())),
        "by_year": years_of(current, back),
        "back_catalogue": len(back),
        "dates_to_check": len(out_of_range) + sum(1 for r in dated if lag(r) < 0),
    }


FIGURES = (
    "articles",
    "first_posted",
    "last_posted",
    "current_stream",
    "days_without_articles",
    "gaps",
    "by_month",
    "by_month_published",
    "by_year",
)


@pytest_twisted.inlineCallbacks
def test_the_report_shows_what_the_corpus_holds_counted_independently(tmp_path):
    corpus = yield crawled_corpus(tmp_path / "data")
    result = scrapy("report", str(corpus), "-o", str(tmp_path / "out" / "OUT.html"))
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "out" / "OUT.json").read_text())
    records = read_jsonl(corpus)
    expected = counted(records)
    for key in FIGURES:
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


def test_the_report_of_the_samples_counts_the_days_without_an_article_over_the_current_stream_only(tmp_path):
    """The back catalogue's years (2011) are no days the source went silent: they are shown apart."""
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    result = scrapy("report", str(corpus))
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "vok.report.json").read_text())
    expected = counted(read_jsonl(corpus))
    for key in FIGURES:
        assert figures[key] == expected[key], key
    assert figures["current_stream"]["first"] > "2011-12-31" and figures["by_year"]["2011"]["back_catalogue"] == 4
    everything = len(every_day(figures["first_posted"], figures["last_posted"]))  # the old count's span
    assert figures["days_without_articles"] < everything - len(figures["posted_by_day"])
    longest = figures["gaps"][0]
    assert all(gap["days"] <= longest["days"] for gap in figures["gaps"])
    stream = figures["current_stream"]
    assert f"{stream['first']} to {stream['last']}, {figures['days_without_articles']} days without" in result.stdout
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (
        f"current stream from {stream['first']} to {stream['last']}, {figures['days_without_articles']} days "
        f"without an article in {len(figures['gaps'])} gaps (the longest {longest['days']} days), "
        f"{figures['back_catalogue']['count']} articles of the back catalogue and "
        f"{figures['dates_to_check']['count']} dates to check"
    ) in readme  # the README's figures are the samples' own


# Markup in a title, a teaser and the corpus's folder: the page must show it as text and make no element of it.
HOSTILE = """Rally <img id="vok-hostile" src="x" onerror="document.title='pwned'"> & <script>document.title="pwned"</script><b>held</b>"""


def hostile_corpus(folder: Path) -> tuple[Path, dict]:
    """The samples' records, and one more whose title and teaser are markup (published after it was posted: a
    date to check, listed by title), in a folder whose name is markup too."""
    corpus = folder / '<b id="vok-folder">corpus' / "vok.jsonl"
    corpus.parent.mkdir(parents=True)
    write_sample_corpus(corpus)
    sample = read_jsonl(corpus)[-1]
    teaser = {**sample["related"][0], "title": HOSTILE, "teaser": HOSTILE}
    hostile = {**sample, "url": sample["url"] + "hostile/", "title": HOSTILE, "related": [teaser]}
    hostile["published"] = str(date.fromisoformat(hostile["posted"]) + timedelta(days=3))
    with corpus.open("a", encoding="utf-8") as out:
        out.write(json.dumps(hostile, ensure_ascii=False) + "\n")
    return corpus, hostile


def test_markup_in_the_corpus_is_shown_as_text_and_makes_no_element(tmp_path):
    corpus, hostile = hostile_corpus(tmp_path)
    result = scrapy("report", str(corpus))
    assert result.returncode == 0, result.stderr[-3000:]
    page = lxml.html.fromstring(corpus.with_name("vok.report.html").read_bytes())
    assert page.xpath("//script | //img | //b | //*[@id='vok-hostile'] | //*[@id='vok-folder']") == []  # none made
    [row] = [tr for tr in page.xpath("//tr") if hostile["url"] in tr.text_content()]
    assert HOSTILE in [td.text_content() for td in row.xpath("td")]  # shown as the text it is
    assert page.xpath("//table[@id='totals']/caption")[0].text_content() == str(corpus)


@needs_browser
def test_the_page_opens_from_disk_in_chromium_with_its_charts_and_loads_nothing_from_the_web(tmp_path):
    corpus, _ = hostile_corpus(tmp_path)
    assert scrapy("report", str(corpus)).returncode == 0
    page_path = corpus.with_name("vok.report.html")
    # Playwright's sync API wants a thread without an asyncio loop (the test reactor runs one here).
    with ThreadPoolExecutor(1) as thread:
        seen = thread.submit(open_in_chromium, page_path).result()
    assert seen["charts"] >= 3  # per day, per month, per year
    assert re.search(rf"articles\s+{len(read_jsonl(corpus))}\b", seen["totals"]), seen["totals"]
    assert seen["requested"] == [page_path.as_uri()]  # the page itself, and nothing else
    # The markup in the corpus made nothing: no element, no script run, the title shown as its text.
    assert seen["made"] == 0 and seen["title"] == "Voice of Korea (EN) corpus report"  # its records' source
    assert HOSTILE in seen["text"] and str(corpus) in seen["text"]


def open_in_chromium(page_path: Path) -> dict:
    """The charts drawn bigger than 100 px square, the totals' text, every URL the page asked for, the
    elements the hostile markup could have made, the document's title and its text."""
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
            made = page.evaluate("document.querySelectorAll('script, img, b, #vok-hostile, #vok-folder').length")
            return {
                "charts": charts,
                "totals": page.inner_text("#totals"),
                "requested": requested,
                "made": made,
                "title": page.title(),
                "text": page.inner_text("body"),
            }
        finally:
            browser.close()


def write_sample_corpus(corpus: Path) -> None:
    """The samples' expected records of Voice of Korea as a corpus (the records a crawl of them writes)."""
    with corpus.open("w", encoding="utf-8") as out:
        for record in expected_records().values():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


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
    teasers = db["related"].rows_where("article = ?", [records[0]["url"]], order_by="position")
    related = [{name: teaser[name] for name in ("url", "title", "date", "teaser")} for teaser in teasers]
    assert related == records[0]["related"] and row["body"] == records[0]["body"]

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


NORMALIZED = "/newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted/"


@pytest_twisted.inlineCallbacks
def test_a_published_year_before_1990_is_a_date_to_check_in_the_crawl_and_in_the_report(tmp_path, caplog):
    """``Date: 14/03/0025``: the crawl keeps it and says so; the report lists it and draws the rest, no crash."""
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE, rewrite=[(NORMALIZED, b"Date: 14/03/2025", b"Date: 14/03/0025")])
    with serve(site) as origin, caplog.at_level(logging.WARNING):
        crawler = yield crawl(corpus, f"{origin}/article/163/", RETRY_TIMES=0, VOK_ARCHIVE="")
    records = read_jsonl(corpus)
    [odd] = [r for r in records if r["url"] == origin + NORMALIZED]
    assert odd["published"] == "0025-03-14"  # written, as the page gives it
    assert f"The published date '14/03/0025' on {origin}{NORMALIZED} is before 1990" in caplog.text
    assert crawler.stats.get_value(stats.RECORDS_PUBLISHED_BEFORE_1990) == 1
    health = json.loads((tmp_path / "vok.health.json").read_text())
    lags = [
        (date.fromisoformat(r["posted"]) - date.fromisoformat(r["published"])).days
        for r in records
        if r["published"] and r["published"] >= "1990"
    ]
    assert health["dates"] == {
        "back_catalogue": sum(1 for lag in lags if lag > 30),
        "published_after_posted": sum(1 for lag in lags if lag < 0),
        "published_before_1990": 1,
    }

    result = scrapy("report", str(corpus))
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "vok.report.json").read_text())
    expected = counted(records)
    for key in FIGURES:
        assert figures[key] == expected[key], key
    [listed] = [a for a in figures["dates_to_check"]["articles"] if a["url"] == odd["url"]]
    assert (listed["published"], listed["check"]) == ("0025-03-14", "published_out_of_range")
    assert "0025-03-14" not in figures["published_by_day"] and "0025" not in figures["by_year"]
    assert (tmp_path / "vok.report.html").read_text().count("<svg") == 3


def test_the_charts_count_whole_articles_from_zero_on_a_time_axis_with_empty_months_at_zero():
    count = CorpusCount()
    for n, (published, posted) in enumerate(
        [("2026-01-05", "2026-01-06"), ("2026-03-10", "2026-03-11"), ("2011-07-15", "2017-03-13")]
    ):
        count.add({"url": f"u{n}", "title": "t", "published": published, "posted": posted})
    figures = count.figures()
    days = chart_days(figures)
    assert (days[0], days[-1]) == (date(2026, 1, 5), date(2026, 3, 11))  # the current stream, to its last posting
    monthly, daily, yearly = (
        chart.axes[0] for chart in (monthly_chart(figures, days), daily_chart(figures, days), yearly_chart(figures))
    )
    for axes, peak in ((monthly, 1), (daily, 1), (yearly, 2)):
        low, high = axes.get_ylim()
        assert low == 0  # from zero, nothing below it
        assert [tick for tick in axes.get_yticks() if low <= tick <= high] == list(range(peak + 1))  # no 0.2
    # Months on a time axis: January, February (empty, at 0) and March, each in its place on the calendar.
    bars = [(num2date(bar.get_x() + bar.get_width() / 2).date(), bar.get_height()) for bar in monthly.patches]
    published, posted = bars[:3], bars[3:]
    assert [height for _, height in published] == [height for _, height in posted] == [1, 0, 1]
    assert [when.month for when, _ in published] == [1, 2, 3]
    assert (published[1][0] - published[0][0]).days == 31  # a real axis: January's 31 days apart
    # Years: every year from the back catalogue's to the stream's, the back catalogue stacked apart.
    years = [round(bar.get_x() + bar.get_width() / 2) for bar in yearly.patches]
    assert years == [*range(2011, 2027), *range(2011, 2027)]
    assert all(float(tick).is_integer() for tick in yearly.get_xticks())
