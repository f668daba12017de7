"""check_day: the one command that tells a cron user whether the day's crawl went well."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import ROOT
from vok_crawler.tools.check_day import hours, main, problems, warnings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def report(path, **fields):
    path.write_text(
        json.dumps({"job": "j2", "finish_reason": "finished", "finished_at": "2026-11-24T06:20:00+00:00", **fields})
    )
    return path


def test_a_recent_finished_report_is_a_good_day(tmp_path):
    assert problems(report(tmp_path / "vok.health.json"), now=NOW) == []


def test_a_missing_stale_or_unfinished_report_is_a_failed_day(tmp_path):
    assert problems(tmp_path / "none.json", now=NOW)[0].startswith("no health report at")
    stale = problems(report(tmp_path / "vok.health.json"), now=NOW + timedelta(days=2))
    assert stale == ["the last health report is from 2026-11-24 06:20:00+00:00: no run has finished since"]
    broken = report(
        tmp_path / "vok.health.json", finish_reason="layout_broken", layout_problems=["3 of 3 articles have no title"]
    )
    assert problems(broken, now=NOW) == ["the last run (job j2) ended 'layout_broken': 3 of 3 articles have no title"]


def test_scrapyd_s_log_tells_a_job_that_died_before_its_report(tmp_path):
    log = tmp_path / "scrapyd.log"
    log.write_text(
        "... Process started: project='vok_crawler' spider='vok' job='j2' pid=1 args=[]\n"
        "... Process finished: project='vok_crawler' spider='vok' job='j2' pid=1 args=[]\n"
        "... Process started: project='vok_crawler' spider='vok' job='j3' pid=2 args=[]\n"
        "... Process died: exitstatus=2 project='vok_crawler' spider='vok' job='j3' pid=2 args=[]\n"
    )
    assert problems(report(tmp_path / "vok.health.json"), log, now=NOW) == [
        "Scrapyd's job j3 exited with status 2",
        "Scrapyd's last vok job j3 wrote no health report (the report is job j2's)",
    ]


def test_a_walk_that_did_not_reach_the_end_is_a_failed_day_saying_why(tmp_path):
    health = report(
        tmp_path / "vok.health.json",
        finish_reason="walk_incomplete",
        walk_problems=["http://127.0.0.1/wp-admin/admin-ajax.php?from=36 could not be read"],
    )
    assert problems(health, now=NOW) == [
        "the last run (job j2) ended 'walk_incomplete': http://127.0.0.1/wp-admin/admin-ajax.php?from=36 could not be read"
    ]


def test_a_finished_run_that_left_articles_pending_is_a_good_day_with_a_warning(tmp_path, capsys):
    health = report(tmp_path / "vok.health.json", left_for_next_run={"pending": 3, "gated": 2})
    assert problems(health, now=NOW) == []
    assert warnings(health) == ["3 article(s) could not be read and are pending: the next run asks for them again"]
    assert main([str(health), "--max-age-hours", "1000000"]) == 0
    out, err = capsys.readouterr()
    assert "WARNING: 3 article(s)" in err and out.startswith("OK:")
    quiet = report(tmp_path / "quiet.json", left_for_next_run={"pending": 0, "gated": 2})
    assert warnings(quiet) == []


def test_vok_crawler_check_day_py_runs_as_crontabs_name_it_from_a_plain_clone(tmp_path):
    """``python3 vok_crawler/check_day.py HEALTH``, the check's old path, in a clone where nothing is installed.

    ``-S`` leaves out every installed package, the crawler and Scrapy included: nothing but Python runs it.
    """
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "vok_crawler", clone / "vok_crawler", ignore=shutil.ignore_patterns("__pycache__"))
    python = [sys.executable, "-S"]
    bare = subprocess.run([*python, "-c", "import vok_crawler"], cwd=tmp_path, capture_output=True, text=True)
    assert "ModuleNotFoundError" in bare.stderr  # the interpreter the check runs in knows no crawler
    fresh = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    good = report(tmp_path / "vok.health.json", finished_at=fresh)
    checked = subprocess.run(
        [*python, "clone/vok_crawler/check_day.py", str(good)], cwd=tmp_path, capture_output=True, text=True
    )
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, f"OK: {good} says finished\n", "")
    bad = report(tmp_path / "bad.health.json", finish_reason="walk_incomplete", finished_at=fresh)
    failed = subprocess.run(
        [*python, "clone/vok_crawler/check_day.py", str(bad)], cwd=tmp_path, capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert failed.stderr == "FAILED: the last run (job j2) ended 'walk_incomplete'\n"


@pytest.mark.parametrize(("typed", "number"), [("0", 0.0), ("26", 26.0), (".5", 0.5), ("2.", 2.0), (" 1.25 ", 1.25)])
def test_max_age_hours_are_ascii_digits_with_one_point(typed, number):
    """``0`` is taken (every report is then too old: a failed day, exit 1, not a bad argument)."""
    assert hours(typed) == number


@pytest.mark.parametrize("typed", ["٠", "²", "2٦", "inf", "nan", "1e3", "1_0", "-1", "1.2.3", ""])
def test_any_other_max_age_is_one_error_line_and_exit_2(tmp_path, capsys, typed):
    """The first digit of another script (Arabic-Indic zero), ``²``, and what ``float`` reads but no one types."""
    health = report(tmp_path / "vok.health.json", finished_at=datetime.now(timezone.utc).isoformat())
    with pytest.raises(SystemExit) as exited:
        main([str(health), "--max-age-hours", typed])
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert (
        err
        == f"Error: argument --max-age-hours: must be a number of hours (the digits 0 to 9, one '.'), not {typed!r}\n"
    )


def test_max_age_zero_makes_any_report_too_old(tmp_path, capsys):
    health = report(tmp_path / "vok.health.json", finished_at=datetime.now(timezone.utc).isoformat())
    assert main([str(health), "--max-age-hours", "0"]) == 1
    assert "FAILED: the last health report is from " in capsys.readouterr().err


def test_a_bad_max_age_is_one_error_line_from_the_plain_script_too(tmp_path):
    """As crontabs run it, with nothing but Python: the same one line, exit 2."""
    python = [sys.executable, "-S", str(ROOT / "vok_crawler" / "check_day.py")]
    refused = subprocess.run(
        [*python, str(tmp_path / "vok.health.json"), "--max-age-hours", "١٢"], capture_output=True, text=True
    )
    assert (refused.returncode, refused.stdout) == (2, "")
    assert (
        refused.stderr
        == "Error: argument --max-age-hours: must be a number of hours (the digits 0 to 9, one '.'), not '١٢'\n"
    )
