"""Did today's crawl go well? One command for a cron job or a monitor, exit 0 or 1.

``python3 vok_crawler/check_day.py /srv/vok/vok.health.json [--scrapyd-log FILE] [--max-age-hours 26]``

A failed day shows in two places, and either alone can miss it:

- the health file (``vok.health.json`` beside the corpus): its
  ``finish_reason`` and ``finished_at``; it names the Scrapyd ``job``;
- Scrapyd's own log, which says ``Process died: exitstatus=N ... job='...'``
  for a job that exited non-zero, including one that stopped before it
  could write any health file (a bad setting exits 2 at once).

This checks both: the last health report is recent and ``finished`` (a
run whose walk did not reach the end of the list ended ``walk_incomplete``
or ``pagination_repeats``: a failed day), and, with ``--scrapyd-log``, the
last job of its spider (the ``spider`` the report names: ``vok``, or a
subclass of it under another name) that Scrapyd started is the one that
wrote it and did not die. Each line names the source the report is of
(its ``source``), so that the checks of two sources' corpora tell apart.
Every problem is printed on one line (``FAILED: ...``, exit 1), the search
road's too (a search whose markup is not understood, or that ignores the
dates: ``search.problems``). A good day that left articles pending (an
article that answered 503 to the end) is a ``WARNING: ...`` line naming
their count, and exit 0: the next run asks for them first; so is one that
met article links on a host name that is not among the site's
(``unknown_hosts``), with the setting that takes them, and a search day
whose page was full (``search.full_days``: it may hold more). A bad
argument (``--max-age-hours ²``) is one ``Error:`` line and exit 2. The file
needs nothing but Python, so it runs where the crawler is not installed
(Scrapyd's environment must not hold it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn

SPIDER = "vok"  # the spider of a health report that names none (one written before reports named it)
# A number of hours as a user types it: the ASCII digits 0 to 9 and at most one decimal point.
_HOURS = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def problems(
    health_path: Path,
    scrapyd_log: Path | None = None,
    max_age: timedelta = timedelta(hours=26),
    now: datetime | None = None,
) -> list[str]:
    """What went wrong with the last day's crawl; empty when it went well."""
    try:
        health: dict[str, Any] = json.loads(health_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"no health report at {health_path}: no run has finished there"]
    except ValueError:
        return [f"the health report {health_path} is not JSON"]
    found = []
    reason = health.get("finish_reason")
    searched = (health.get("search") or {}).get("problems") or []
    if reason != "finished":
        told = (health.get("layout_problems") or []) + (health.get("walk_problems") or [])
        details = "; ".join(dict.fromkeys(told + searched))
        run = f"the last run{_of_source(health)} (job {health.get('job')})"
        found.append(f"{run} ended {reason!r}" + (f": {details}" if details else ""))
    else:
        found += [f"the last run's search road could not read its period: {problem}" for problem in searched]
    finished_at = datetime.fromisoformat(health["finished_at"]) if health.get("finished_at") else None
    if finished_at is None or (now or datetime.now(timezone.utc)) - finished_at > max_age:
        found.append(f"the last health report is from {finished_at}: no run has finished since")
    if scrapyd_log is not None:
        log = scrapyd_log.read_text(encoding="utf-8", errors="replace")
        found += _scrapyd_problems(log, health.get("job"), str(health.get("spider") or SPIDER))
    return found


def _read(health_path: Path) -> dict[str, Any]:
    """The health report, or nothing when it cannot be read (:func:`problems` tells why)."""
    try:
        health = json.loads(health_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return health if isinstance(health, dict) else {}


def _of_source(health: dict[str, Any]) -> str:
    """`` of SOURCE`` for a report that names its source (its corpus's), else nothing."""
    source = health.get("source")
    return f" of {source}" if source else ""


def warnings(health_path: Path) -> list[str]:
    """What a run that went well left for the next one (articles pending, article links on a host
    not among the site's names, search days fuller than their page); empty when nothing."""
    health = _read(health_path)  # one that cannot be read is told as a problem already
    found = []
    pending = (health.get("left_for_next_run") or {}).get("pending") or 0
    if pending:
        found.append(f"{pending} article(s) could not be read and are pending: the next run asks for them again")
    elsewhere = health.get("unknown_hosts") or {}
    links = elsewhere.get("article_links") or {}
    if links:
        hosts = ", ".join(f"{count} on {host}" for host, count in links.items())
        found.append(
            f"article links not followed, their host not among the site's names: {hosts}; "
            f"if that is the site under another name, run with -s {elsewhere.get('setting')}"
        )
    full = (health.get("search") or {}).get("full_days") or []
    if full:
        found.append(
            f"the search showed a full page for {len(full)} day(s) ({', '.join(full)}): they may hold more articles "
            "than it showed; the listing's walk reads them when it reaches them"
        )
    return found


def _scrapyd_problems(log: str, health_job: str | None, spider: str) -> list[str]:
    """What Scrapyd's log says of the last job of ``spider``: it died, or it is not the one that wrote the report."""
    name = re.escape(spider)
    started = re.findall(rf"Process started: project='[^']*' spider='{name}' job='([^']+)'", log)
    if not started:
        return [f"Scrapyd's log names no {spider} job"]
    last = started[-1]
    died = re.findall(rf"Process died: exitstatus=(\S+) project='[^']*' spider='{name}' job='([^']+)'", log)
    found = [f"Scrapyd's job {job} exited with status {status}" for status, job in died if job == last]
    if health_job != last:
        found.append(f"Scrapyd's last {spider} job {last} wrote no health report (the report is job {health_job}'s)")
    return found


def hours(text: str) -> float:
    """``--max-age-hours``: the ASCII digits 0 to 9 and one ``.`` at most, nothing else.

    ``float`` alone also reads Arabic-Indic digits (``١٢`` is 12), ``inf``
    (a traceback further on), ``nan``, ``1e3`` and ``1_0``: none is a number
    a user means here. This file runs where the crawler is not installed, so
    it cannot import the crawl's reader of numbers
    (:mod:`vok_crawler.crawl.config`); it keeps the same rule, for its one number.
    """
    if not _HOURS.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"must be a number of hours (the digits 0 to 9, one '.'), not {text!r}")
    return float(text)


class Arguments(argparse.ArgumentParser):
    """argparse, telling a bad argument as the project's commands do: one ``Error:`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = Arguments(description=__doc__.split("\n\n")[0])
    parser.add_argument("health", type=Path, help="the vok.health.json beside the corpus")
    parser.add_argument("--scrapyd-log", type=Path, help="Scrapyd's own log (scrapyd --logfile ...)")
    parser.add_argument("--max-age-hours", type=hours, default=26.0, help="a report older than this is a missed day")
    args = parser.parse_args(argv)
    found = problems(args.health, args.scrapyd_log, timedelta(hours=args.max_age_hours))
    for problem in found:
        print(f"FAILED: {problem}", file=sys.stderr)
    if not found:
        for warning in warnings(args.health):
            print(f"WARNING: {warning}", file=sys.stderr)
        source = _read(args.health).get("source")
        print(f"OK: {args.health} says finished" + (f" ({source})" if source else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
