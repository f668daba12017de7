"""What ``scrapy report`` shows of a corpus: its figures (:class:`Figures`), as the count makes them
(:mod:`vok_crawler.tools.coverage`) and the page draws them (:mod:`vok_crawler.tools.report_page`)."""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# The articles listed by name (back catalogue, dates to check); the counts are of all of them.
LISTED = 100
CHANGE_KINDS = ("changed", "deleted", "restored")
# Why an article's dates are to check.
DateCheck = Literal["published_after_posted", "published_out_of_range", "posted_out_of_range"]


@dataclass(frozen=True, order=True)
class Dated:
    """An article named in the report: its two days, how far apart they are, and why it is to check."""

    lag_days: int
    url: str
    title: str
    published: str
    posted: str
    check: DateCheck | None = None


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


@dataclass(frozen=True)
class Stream:
    """The source's current stream: by ``published``, from the first article not of the back catalogue to the last."""

    first: str | None = None
    last: str | None = None
    articles: int = 0  # the articles of the stream (not of the back catalogue)


@dataclass(frozen=True)
class Gap:
    """Days in a row without an article published, in the current stream."""

    first: str
    last: str
    days: int


@dataclass
class Figures:
    """Everything ``scrapy report`` shows, and writes as JSON."""

    articles: int = 0
    first_posted: str | None = None
    last_posted: str | None = None
    current_stream: Stream = field(default_factory=Stream)
    days_without_articles: int = 0  # in the current stream, by published
    gaps: list[Gap] = field(default_factory=list)  # those days as runs, the longest first
    by_month: dict[str, int] = field(default_factory=dict)  # by posted
    by_month_published: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, dict[str, int]] = field(default_factory=dict)  # by published: current stream, back catalogue
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
    sources: dict[str, int] = field(default_factory=dict)  # articles by their record's source, the most first
    # Articles by where their text was read: the live site, or a web archive (its index's host: the record's capture).
    read_from: dict[str, int] = field(default_factory=dict)
    health_source: str | None = None  # the source the last health report names (a corpus of no record yet)

    def source_name(self) -> str:
        """Whose corpus it is: the sources its records name, else the one its health reports name."""
        return " and ".join(self.sources) or self.health_source or "KCNA Watch"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["back_catalogue"] = self.back_catalogue.as_json()
        data["dates_to_check"] = self.dates_to_check.as_json()
        return data
