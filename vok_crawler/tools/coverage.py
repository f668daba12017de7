"""What a corpus holds, counted in one pass: the figures of ``scrapy report``.

The corpus is streamed line by line, so memory grows with the number of
days it spans (a count per day), never with its records. Beside it, the
figures read the crawl's other files: ``vok.state.json`` (what is left gated
and pending), ``vok.changes.jsonl`` (revisions and withdrawals) and the
health reports (``vok.health.jsonl``, one line per run, else the last run's
``vok.health.json``) for the rules that found each field.

Days are the record's own: ``posted`` is the day KCNA Watch posted the
article (Korea time), ``published`` the day its source dated it. The
back catalogue (posted more than 30 days after it was published:
:func:`vok_crawler.site.processors.date_gap`) is shown apart; the source's
current stream runs by ``published`` from the first article that is not of
the back catalogue to the last, and the days without an article are
counted over it alone. A day outside 1990 to today
(:func:`vok_crawler.site.processors.plausible_days`) is a date to check: listed
and counted, never put on a chart.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from vok_crawler.items import Article
from vok_crawler.site.processors import date_gap, plausible_days
from vok_crawler.store.lines import corpus_lines, json_lines
from vok_crawler.store.paths import CorpusFiles
from vok_crawler.store.state import last_state
from vok_crawler.tools.figures import DateCheck, Dated, Figures, Gap, Listed, Stream

logger = logging.getLogger(__name__)

RECORD_FIELDS = tuple(f.name for f in fields(Article))
LIVE_SITE = "the live site"  # where a record without a capture was read


def day(value: Any) -> date | None:
    """A record's ``YYYY-MM-DD`` day, or ``None`` if it has none that is valid."""
    return _day(value) if isinstance(value, str) else None


@lru_cache(maxsize=1 << 16)
def _day(value: str) -> date | None:
    """Parsed once per distinct day: a corpus has many records a day."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class CorpusCount:
    """The per-day counts and the named articles of one pass over the corpus."""

    def __init__(self) -> None:
        self.earliest, self.latest = plausible_days()
        self.articles = 0
        self.posted: Counter[date] = Counter()
        self.published: Counter[date] = Counter()
        self.undated: Counter[str] = Counter()
        self.with_field: Counter[str] = Counter()
        self.current: Counter[int] = Counter()  # articles of the current stream by year published
        self.back: Counter[int] = Counter()  # articles of the back catalogue by year published
        self.stream: tuple[date, date] | None = None  # the current stream's first and last published day
        self.back_catalogue = Listed()
        self.dates_to_check = Listed()
        self.sources: Counter[str] = Counter()
        self.read_from: Counter[str] = Counter()

    def add(self, record: dict[str, Any]) -> None:
        self.articles += 1
        if isinstance(record.get("source"), str):
            self.sources[record["source"]] += 1
        for name in RECORD_FIELDS:
            if record.get(name):
                self.with_field[name] += 1
        capture = record.get("capture")
        archive = capture.get("archive") if isinstance(capture, dict) else None
        self.read_from[archive if isinstance(archive, str) and archive else LIVE_SITE] += 1
        posted, published = self.day_of(record, "posted"), self.day_of(record, "published")
        check = self.out_of_range(posted, published)
        gap = date_gap(published.isoformat(), posted.isoformat()) if posted and published and not check else None
        if check or gap == "published_after_posted":
            self.dates_to_check.add(named(record, check or "published_after_posted"))
        if published is None or check == "published_out_of_range":
            return
        if gap == "back_catalogue":
            self.back_catalogue.add(named(record, None))
            self.back[published.year] += 1
            return
        self.current[published.year] += 1
        first, last = self.stream or (published, published)
        self.stream = (min(first, published), max(last, published))

    def day_of(self, record: dict[str, Any], name: str) -> date | None:
        """The record's day ``name``, counted by day if it is a plausible one; ``None`` (undated) if none."""
        value = day(record.get(name))
        if value is None:
            self.undated[name] += 1
        elif self.earliest <= value <= self.latest:
            (self.posted if name == "posted" else self.published)[value] += 1
        return value

    def out_of_range(self, posted: date | None, published: date | None) -> DateCheck | None:
        """Why the dates are to check, if one is outside 1990 to today."""
        if published is not None and not self.earliest <= published <= self.latest:
            return "published_out_of_range"
        if posted is not None and not self.earliest <= posted <= self.latest:
            return "posted_out_of_range"
        return None

    def gaps(self) -> list[Gap]:
        """The days of the current stream with no article published, as runs, the longest first."""
        runs: list[tuple[date, int]] = []
        for when in days_between(*self.stream) if self.stream else ():
            if self.published[when]:
                continue
            if runs and runs[-1][0] + timedelta(days=runs[-1][1]) == when:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((when, 1))
        runs.sort(key=lambda run: (-run[1], run[0]))
        return [Gap(first.isoformat(), (first + timedelta(days=n - 1)).isoformat(), n) for first, n in runs]

    def figures(self) -> Figures:
        first, last = (min(self.posted), max(self.posted)) if self.posted else (None, None)
        stream_first, stream_last = self.stream or (None, None)
        gaps = self.gaps()
        return Figures(
            articles=self.articles,
            first_posted=iso(first),
            last_posted=iso(last),
            current_stream=Stream(iso(stream_first), iso(stream_last), sum(self.current.values())),
            days_without_articles=sum(gap.days for gap in gaps),
            gaps=gaps,
            by_month=by_month(self.posted),
            by_month_published=by_month(self.published),
            by_year=by_year(self.current, self.back),
            posted_by_day={d.isoformat(): n for d, n in sorted(self.posted.items())},
            published_by_day={d.isoformat(): n for d, n in sorted(self.published.items())},
            undated=dict(self.undated),
            back_catalogue=self.back_catalogue,
            dates_to_check=self.dates_to_check,
            field_coverage={name: self.with_field[name] for name in RECORD_FIELDS},
            sources=dict(self.sources.most_common()),
            read_from=dict(self.read_from.most_common()),
        )


def iso(when: date | None) -> str | None:
    return when.isoformat() if when else None


def named(record: dict[str, Any], check: DateCheck | None) -> Dated:
    """The record as the report names it: its days as written, and how far apart they are."""
    posted, published = day(record.get("posted")), day(record.get("published"))
    lag = abs((posted - published).days) if posted and published else 0
    return Dated(
        lag,
        str(record.get("url")),
        str(record.get("title") or ""),
        str(record.get("published") or ""),
        str(record.get("posted") or ""),
        check,
    )


def days_between(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def by_month(days: Counter[date]) -> dict[str, int]:
    months: Counter[str] = Counter()
    for when, count in days.items():
        months[when.strftime("%Y-%m")] += count
    return dict(sorted(months.items()))


def by_year(current: Counter[int], back: Counter[int]) -> dict[str, dict[str, int]]:
    """Articles by year published, the current stream's and the back catalogue's, every year between at 0."""
    years = [*current, *back]
    if not years:
        return {}
    return {
        f"{year:04d}": {"current_stream": current[year], "back_catalogue": back[year]}
        for year in range(min(years), max(years) + 1)
    }


def count(corpus: Path) -> Figures:
    """The figures of the corpus at ``corpus`` and of the files beside it."""
    counted = CorpusCount()
    for _url, line in corpus_lines(corpus):
        try:
            record = json.loads(line)
        except ValueError:
            logger.warning("A line of %s is not JSON; left out of the report", corpus)
            continue
        counted.add(record)
    figures = counted.figures()
    files = CorpusFiles(corpus)
    read_state(files, figures)
    read_changes(files.changes, figures)
    read_health(files, figures)
    return figures


def read_state(files: CorpusFiles, figures: Figures) -> None:
    """Gated and pending, as the last run left them (none without a state file)."""
    try:
        state = last_state(files.state)
    except OSError:
        state = None
    if state is not None:
        figures.gated, figures.pending = len(state.get("gated", [])), len(state.get("pending", []))


def read_changes(path: Path, figures: Figures) -> None:
    for change in json_lines(path):
        kind = change.get("change")
        if kind in figures.changes:
            figures.changes[kind] += 1


def health_history(files: CorpusFiles) -> Iterator[dict[str, Any]]:
    """Every run's health report: the history (``vok.health.jsonl``), else the last run's file."""
    if files.health_history.exists():
        yield from json_lines(files.health_history)
        return
    try:
        report = json.loads(files.health.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(report, dict):
        yield report


def read_health(files: CorpusFiles, figures: Figures) -> None:
    """Runs by finish reason, and the fields each run found by a fallback rule or not at all, summed."""
    reasons: Counter[str] = Counter()
    fallback: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for report in health_history(files):
        figures.runs += 1
        figures.health_source = report.get("source") or figures.health_source
        reasons[str(report.get("finish_reason"))] += 1
        fallback.update(counts(report.get("fields_by_fallback")))
        missing.update(counts(report.get("fields_missing")))
    figures.finish_reasons = dict(reasons.most_common())
    figures.fields_by_fallback = dict(sorted(fallback.items()))
    figures.fields_missing = dict(sorted(missing.items()))


def counts(value: Any) -> dict[str, int]:
    """A health report's ``{name: count}``, without what is not a count."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}
