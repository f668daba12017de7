"""Periods and numbers as a user types them: read strictly, and a long period costs no memory.

A number is the ASCII digits 0 to 9 (``²`` and Arabic-Indic digits pass
``str.isdigit``); a period starts on 1990-01-01 or later and ends today at
the latest; the search road makes its days one at a time, so a period of
thirty-six years asks, builds and queues no more than its first days
before a SIGTERM stops it.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from datetime import date, datetime

import pytest
import pytest_twisted
from scrapy.settings import Settings

from tests.conftest import COOKIES, ROOT, SAMPLE_SITE, crawl_args, run_scrapy, scrapy_command, serve
from tests.test_crash import wait_for
from vok_crawler.crawl.config import seconds_setting, share_setting, whole_number, whole_number_setting
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.processors import EARLIEST_PUBLISHED, KOREA
from vok_crawler.site.search import Period, period
from vok_crawler.tools.sample_site import SampleSite

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("value", "number"), [("12", 12), (" 7 ", 7), (5, 5), ("0", 0)])
def test_a_whole_number_is_ascii_digits(value, number):
    assert whole_number("revisit", value, "a number of days") == number


@pytest.mark.parametrize("value", ["²", "١٢", "12٣", "1.5", "-1", "", "1e3", "٣", True, "12 3"])
def test_anything_else_is_no_whole_number(value):
    with pytest.raises(BadConfiguration, match=re.escape(f"revisit must be a number of days, not {value!r}")):
        whole_number("revisit", value, "a number of days")


def test_a_whole_number_has_its_maximum_exactly():
    assert whole_number("--port", "65535", "a port", maximum=65535) == 65535
    assert whole_number("--port", "0", "a port", maximum=65535) == 0
    with pytest.raises(BadConfiguration, match=re.escape("--port must be a port, not '65536'")):
        whole_number("--port", "65536", "a port", maximum=65535)


def test_a_whole_number_setting_has_its_minimum_exactly():
    assert whole_number_setting(Settings({"VOK_BLOCKED_AFTER": "1"}), "VOK_BLOCKED_AFTER") == 1
    with pytest.raises(BadConfiguration, match="setting VOK_BLOCKED_AFTER must be a whole number of 1 or more"):
        whole_number_setting(Settings({"VOK_BLOCKED_AFTER": "0"}), "VOK_BLOCKED_AFTER")


@pytest.mark.parametrize("value", ["١٠", "1e3", "nan", "inf", "²", float("inf"), float("nan"), "", None, True])
def test_seconds_and_shares_are_finite_ascii_numbers(value):
    with pytest.raises(BadConfiguration, match="must be a number of seconds"):
        seconds_setting(Settings({"VOK_PROGRESS_INTERVAL": value}), "VOK_PROGRESS_INTERVAL")
    with pytest.raises(BadConfiguration, match="must be a share from 0 to 1"):
        share_setting(Settings({"VOK_LAYOUT_MIN_SHARE": value}), "VOK_LAYOUT_MIN_SHARE")


def test_seconds_and_shares_as_written_in_settings_or_typed():
    assert seconds_setting(Settings({"S": 60.0}), "S") == 60.0
    assert seconds_setting(Settings({"S": " 2.5"}), "S") == 2.5
    assert share_setting(Settings({"S": "1"}), "S") == 1.0 and share_setting(Settings({"S": 0}), "S") == 0.0
    with pytest.raises(BadConfiguration, match=re.escape("setting S must be a share from 0 to 1, not '1.01'")):
        share_setting(Settings({"S": "1.01"}), "S")


def test_a_period_starts_on_1990_01_01_or_later():
    assert date(1990, 1, 1) == EARLIEST_PUBLISHED
    assert period("1990-01-01", "1990-01-01", TODAY) == Period(EARLIEST_PUBLISHED, EARLIEST_PUBLISHED)
    for typo in ("1989-12-31", "0201-01-01", "0001-01-01"):
        with pytest.raises(BadConfiguration, match=f"published_from must be 1990-01-01 or later .*not {typo}"):
            period(typo, "2011-01-01", TODAY)


def test_a_period_ends_today_at_the_latest_and_says_so():
    assert period("2026-11-01", "2026-11-23", TODAY) == Period(date(2026, 11, 1), TODAY)
    assert period("2026-11-01", "2026-11-24", TODAY) == Period(date(2026, 11, 1), TODAY, date(2026, 11, 24))
    assert period("2026-11-23", "2030-01-01", TODAY).last == TODAY
    with pytest.raises(BadConfiguration, match=r"published_from \(2026-11-24\) is after today \(2026-11-23 in Korea\)"):
        period("2026-11-24", "2026-11-30", TODAY)


def test_the_days_of_a_period_are_made_one_at_a_time_newest_first_down_to_its_first():
    days = Period(EARLIEST_PUBLISHED, date(1990, 1, 3))
    assert days.day_before(date(1990, 1, 3)) == date(1990, 1, 2)
    assert days.day_before(date(1990, 1, 2)) == EARLIEST_PUBLISHED and days.day_before(EARLIEST_PUBLISHED) is None


BAD = [
    (["-a", "revisit=²"], "revisit must be a number of days, not '²'"),
    (["-a", "source_id=²"], "source_id must be the source's number in slice URLs (id=K), not '²'"),
    (["-a", "source_id=١٩٠١٦٣"], "source_id must be the source's number in slice URLs (id=K), not '١٩٠١٦٣'"),
    (
        ["-s", f"VOK_COOKIES_FILE={COOKIES}", "-s", "VOK_SESSION_LOST_AFTER=²"],
        "setting VOK_SESSION_LOST_AFTER must be a whole number of 1 or more, not '²'",
    ),
    (["-s", "VOK_BLOCKED_AFTER=five"], "setting VOK_BLOCKED_AFTER must be a whole number of 1 or more, not 'five'"),
    (
        ["-s", "VOK_ARCHIVE_MAX_BYTES=١٠٠٠"],
        "setting VOK_ARCHIVE_MAX_BYTES must be a positive number of bytes, not '١٠٠٠'",
    ),
    (["-s", "VOK_PROGRESS_INTERVAL=٦٠"], "setting VOK_PROGRESS_INTERVAL must be a number of seconds, not '٦٠'"),
    (["-s", "VOK_LAYOUT_MIN_SHARE=half"], "setting VOK_LAYOUT_MIN_SHARE must be a share from 0 to 1, not 'half'"),
    (
        ["-a", "published_from=0001-01-01", "-a", "published_to=2011-09-30"],
        "published_from must be 1990-01-01 or later (no article of the site is older), not 0001-01-01",
    ),
    (
        ["-a", "published_from=0201-01-01", "-a", "published_to=2011-09-30"],
        "published_from must be 1990-01-01 or later (no article of the site is older), not 0201-01-01",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD, ids=[next(a for a in args if "=" in a and "COOKIES" not in a) for args, _ in BAD]
)
def test_a_number_or_period_the_crawl_cannot_use_is_one_line_and_exit_2(tmp_path, args, message):
    start, corpus = "start_url=http://127.0.0.1:9/article/163/", f"VOK_CORPUS={tmp_path}/vok.jsonl"
    result = run_scrapy("crawl", "vok", "-a", start, "-s", corpus, *args, "-s", "LOG_LEVEL=INFO", timeout=120)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "vok.jsonl").exists()


@pytest_twisted.inlineCallbacks
def test_a_period_of_thirty_six_years_queues_no_list_of_days_and_sigterm_stops_it_at_once(tmp_path):
    """From 1990 to a day after today: the days are asked one at a time, and a SIGTERM leaves none queued."""
    site = SampleSite(SAMPLE_SITE)
    log = tmp_path / "crawl.log"
    today = datetime.now(KOREA).date()
    with serve(site) as origin:
        args = crawl_args(
            f"{origin}/article/163/",
            tmp_path / "vok.jsonl",
            "-a",
            "published_from=1990-01-01",
            "-a",
            "published_to=2100-01-01",
            LOG_LEVEL="INFO",
        )
        crawl = subprocess.Popen(scrapy_command(*args), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))

        def searches() -> int:
            return sum(count for uri, count in site.hits.items() if uri.startswith("/?"))

        yield wait_for(lambda: searches() >= 3 or crawl.poll() is not None)
        asked_before = searches()
        crawl.send_signal(signal.SIGTERM)
        yield wait_for(lambda: crawl.poll() is not None)
        asked_after = searches()
    err = log.read_text(errors="replace")
    assert crawl.returncode == 1, err[-3000:]
    assert json.loads((tmp_path / "vok.health.json").read_text())["finish_reason"] == "shutdown"
    assert f"published_to 2100-01-01 is after today ({today} in Korea): the period ends today" in err
    # One day in flight at most when the signal came: none asked after it but that one.
    assert asked_before >= 3 and asked_after <= asked_before + 1
    # Every request the crawl made went through the scheduler: the start page and the days asked, not 13,000.
    enqueued = int(re.search(r"'scheduler/enqueued': (\d+)", err)[1])
    assert enqueued <= asked_after + 2, enqueued
