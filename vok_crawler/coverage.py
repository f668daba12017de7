"""What a corpus holds, counted in one pass: the figures of ``scrapy report``.

The corpus is streamed line by line, so memory grows with the number of
days it spans (a count per day), never with its records. Beside it, the
figures read the crawl's other files: ``vok.state.json`` (what is left gated
and pending), ``vok.changes.jsonl`` (revisions and withdrawals) and the
health reports (``vok.health.jsonl``, one line per run, else the last run's
``vok.health.json``) for the rules that found each field.

Days are the record's own: ``posted`` is the day KCNA Watch posted the
article (Korea time), ``published`` the day Voice of Korea dated it.
"""

from __future__ import annotations

import heapq
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from vok_crawler.changes import changes_path
from vok_crawler.corpus import corpus_lines
from vok_crawler.items import Article
from vok_crawler.memory import valid_state

logger = logging.getLogger(__name__)

# An article posted more than this many days after its publication is from the back catalogue.
BACK_CATALOGUE_DAYS = 30
# The articles listed by name (back catalogue, dates to check); the counts are of all of them.
LISTED = 100
CHANGE_KINDS = ("changed", "deleted", "restored")
RECORD_FIELDS = tuple(f.name for f in fields(Article))


@dataclass(frozen=True, order=True)
class Dated:
    """An article named in the report: its two days, and how far apart they are."""

    lag_days: int
    url: str
    title: str
    published: str
    posted: str


@dataclass
class Listed:
    """How many articles are of a kind, and up to :data:`LISTED` of them (the largest lag first)."""

    count: int = 0
    articles: list[Dated] = field(default_factory=list)

    def add(self, article: Dated) -> None:
        self.count += 1
        if len(self.articles) < LISTED:
            heapq.heappush(self.articles, article)
        else:
            heapq.heappushpop(self.articles, article)

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "articles": [asdict(a) for a in sorted(self.articles, reverse=True)]}


@dataclass
class Figures:
    """Everything ``scrapy report`` shows, and writes as JSON."""

    articles: int = 0
    first_posted: str | None = None
    last_posted: str | None = None
    days_without_articles: list[str] = field(default_factory=list)
    by_month: dict[str, int] = field(default_factory=dict)  # by posted
    by_month_published: dict[str, int] = field(default_factory=dict)
    posted_by_day: dict[str, int] = field(default_factory=dict)
    published_by_day: dict[str, int] = field(default_factory=dict)
    undated: dict[str, int] = field(default_factory=dict)  # records without a valid posted / published day
    back_catalogue: Listed = field(default_factory=Listed)
    dates_to_check: Listed = field(default_factory=Listed)
    field_coverage: dict[str, int] = field(default_factory=dict)  # records with a value, by field
    gated: int | None = None  # None: no state beside the corpus
    pending: int | None = None
    changes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANGE_KINDS, 0))
    runs: int = 0  # health reports read
    finish_reasons: dict[str, int] = field(default_factory=dict)
    fields_by_fallback: dict[str, int] = field(default_factory=dict)
    fields_missing: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["back_catalogue"] = self.back_catalogue.as_json()
        data["dates_to_check"] = self.dates_to_check.as_json()
        return data


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
        self.articles = 0
        self.posted: Counter[date] = Counter()
        self.published: Counter[date] = Counter()
        self.undated: Counter[str] = Counter()
        self.with_field: Counter[str] = Counter()
        self.back_catalogue = Listed()
        self.dates_to_check = Listed()

    def add(self, record: dict[str, Any]) -> None:
        self.articles += 1
        for name in RECORD_FIELDS:
            if record.get(name):
                self.with_field[name] += 1
        posted, published = day(record.get("posted")), day(record.get("published"))
        for name, value, counts in (("posted", posted, self.posted), ("published", published, self.published)):
            if value is None:
                self.undated[name] += 1
            else:
                counts[value] += 1
        if posted is None or published is None:
            return
        lag = (posted - published).days
        if lag > BACK_CATALOGUE_DAYS or lag < 0:
            named = Dated(abs(lag), str(record["url"]), str(record.get("title") or ""), str(published), str(posted))
            (self.back_catalogue if lag > 0 else self.dates_to_check).add(named)

    def figures(self) -> Figures:
        first, last = (min(self.posted), max(self.posted)) if self.posted else (None, None)
        return Figures(
            articles=self.articles,
            first_posted=first.isoformat() if first else None,
            last_posted=last.isoformat() if last else None,
            days_without_articles=[d.isoformat() for d in days_between(first, last) if not self.posted[d]]
            if first and last
            else [],
            by_month=by_month(self.posted),
            by_month_published=by_month(self.published),
            posted_by_day={d.isoformat(): n for d, n in sorted(self.posted.items())},
            published_by_day={d.isoformat(): n for d, n in sorted(self.published.items())},
            undated=dict(self.undated),
            back_catalogue=self.back_catalogue,
            dates_to_check=self.dates_to_check,
            field_coverage={name: self.with_field[name] for name in RECORD_FIELDS},
        )


def days_between(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def by_month(days: Counter[date]) -> dict[str, int]:
    months: Counter[str] = Counter()
    for when, count in days.items():
        months[when.strftime("%Y-%m")] += count
    return dict(sorted(months.items()))


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
    read_state(corpus, figures)
    read_changes(changes_path(corpus), figures)
    read_health(corpus, figures)
    return figures


def read_state(corpus: Path, figures: Figures) -> None:
    """Gated and pending, as the last run left them (none without a state file)."""
    path = corpus.with_name(f"{corpus.stem}.state.json")
    try:
        state = valid_state(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        state = None
    if state is not None:
        figures.gated, figures.pending = len(state.get("gated", [])), len(state.get("pending", []))


def json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file, if it exists; a line that is none is logged and left out."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if isinstance(value, dict):
                yield value
            elif line.strip():
                logger.warning("Line %d of %s is not a JSON object; left out of the report", number, path)


def read_changes(path: Path, figures: Figures) -> None:
    for change in json_lines(path):
        kind = change.get("change")
        if kind in figures.changes:
            figures.changes[kind] += 1


def health_history(corpus: Path) -> Iterator[dict[str, Any]]:
    """Every run's health report: the history (``vok.health.jsonl``), else the last run's file."""
    history = corpus.with_name(f"{corpus.stem}.health.jsonl")
    if history.exists():
        yield from json_lines(history)
        return
    last = corpus.with_name(f"{corpus.stem}.health.json")
    try:
        report = json.loads(last.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(report, dict):
        yield report


def read_health(corpus: Path, figures: Figures) -> None:
    """Runs by finish reason, and the fields each run found by a fallback rule or not at all, summed."""
    reasons: Counter[str] = Counter()
    fallback: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for report in health_history(corpus):
        figures.runs += 1
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
