"""What the probe found, page by page, and its verdict: understood or not, and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vok_crawler.crawl.following import LinksElsewhere
from vok_crawler.items import Article, Teaser
from vok_crawler.site.captures import Capture
from vok_crawler.site.pages.fields import Finding
from vok_crawler.site.slices import Control
from vok_crawler.wording import counted

Kind = Literal["listing", "slice", "article", "search"]
KINDS: tuple[Kind, ...] = ("listing", "slice", "article", "search")  # the saved files' order: 1-listing, ...
REQUIRED = ("url", "title", "body")  # without these an article is not understood
UNREACHED = frozenset({"connection", "timeout"})  # error kinds of a site that never answered
HostKind = Literal["the crawl's", "alias", "other"]


@dataclass
class ArchiveAsked:
    """With ``--archive``: the questions asked of the archive's index, and the captures read."""

    index: int = 0
    captures: int = 0


@dataclass
class PageSeen:
    """One page the probe asked for, and what the page objects read on it."""

    kind: Kind
    url: str
    status: int | None = None
    error: str | None = None
    teasers: list[Teaser] = field(default_factory=list)
    control: Control | None = None
    control_hrefs: list[str] = field(default_factory=list)  # every control's href, canonical
    next_slice: str | None = None
    walk: dict[str, object] = field(default_factory=dict)  # the slice walk's id, size and reading of 'to' after it
    gate: str | None = None
    is_article: bool = False
    findings: dict[str, Finding] = field(default_factory=dict)
    record: Article | None = None
    full: bool = False  # a search page that ends with a.more-full-link
    capture: Capture | None = None  # with --archive: the capture read as this page
    uncaptured: bool = False  # with --archive: the archive's index holds no whole capture of the page

    @property
    def without_text(self) -> list[str]:
        """The links of the teasers whose text no rule found."""
        return [teaser.url or "?" for teaser in self.teasers if not teaser.teaser]


@dataclass
class Probe:
    """What the probe found, filled in by :class:`~vok_crawler.crawl.probe.spider.ProbeSpider`, judged by :meth:`verdict`."""

    start_url: str
    pages: dict[Kind, PageSeen] = field(default_factory=dict)
    hosts: Counter[tuple[str, HostKind]] = field(default_factory=Counter)  # the host names links named
    # The article links on a host none of the site's names: the crawl's count of them, with the setting that takes them.
    elsewhere: LinksElsewhere = field(default_factory=lambda: LinksElsewhere({}, None))
    search_day: str | None = None  # the day the search road was tried for (the article's)
    saved: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed: int = 0  # cookie values replaced in what was saved
    manner: str = ""  # how it asked: requests, robots.txt, delay, User-Agent, cookies
    source: str = ""  # the source the crawl keeps (-a source=, else VOK_SOURCE)
    source_shown: str | None = None  # the source the listing shows (its heading)
    archive: str | None = None  # with --archive: the host of the archive's index the pages were read from
    archive_asked: ArchiveAsked = field(default_factory=ArchiveAsked)

    def problems(self) -> list[str]:
        """What the crawler does not understand; empty when it understands the pages."""
        listing, article = self.pages.get("listing"), self.pages.get("article")
        problems: list[str] = []
        if self.nothing_captured():
            return [
                (
                    f"the archive at {self.archive} holds no capture of {self.start_url} under the site's host names; "
                    "try another start (a listing or an article URL the archive holds), another name of the site "
                    "(-s VOK_HOST_ALIASES=...) or another index (-s VOK_ARCHIVE_CDX=...)"
                )
            ]
        if listing is None and article is None:
            return [f"nothing could be read at {self.start_url}"]
        if listing is not None:
            problems += _listing_problems(listing, self.pages.get("slice"))
            if article is None and listing.teasers:
                problems.append("article: the first teaser was not fetched")
        if article is not None:
            problems += _article_problems(article)
        return problems

    def unreached(self) -> bool:
        """Whether the site never answered (nothing listens, no such host, timeouts): the probe could not run."""
        return bool(self.pages) and all(seen.status is None and seen.error in UNREACHED for seen in self.pages.values())

    def nothing_captured(self) -> bool:
        """With ``--archive``: whether the archive's index holds no whole capture of the start URL (nothing read)."""
        start = self.pages.get("listing")
        return start is not None and start.uncaptured

    def verdict(self) -> str:
        """One line: understood or not, what is missing, what was found only by a fallback, the gate."""
        if self.unreached():
            errors = sorted({str(seen.error) for seen in self.pages.values()})
            where = f"the archive at {self.archive}" if self.archive else self.start_url
            return f"COULD NOT RUN: nothing answered at {where} ({', '.join(errors)})"
        problems = self.problems()
        if self.nothing_captured():
            return f"NO CAPTURE: {problems[0]}"
        head = "NOT UNDERSTOOD: " + "; ".join(problems) if problems else "OK: the crawler understands these pages"
        return "; ".join([head, *self._article_notes(), *self._other_notes()])

    def _article_notes(self) -> list[str]:
        article = self.pages.get("article")
        if article is None:
            return []
        findings = article.findings.items()
        # With --archive, a capture behind the gate is the oldest left: no cookie opens a capture.
        remedy = (
            "the archive holds no whole capture of it" if self.archive else "give a subscriber's cookies to read it"
        )
        notes = [f"article gated ({article.gate}): {remedy}"] if article.gate else []
        optional = [name for name, f in findings if f.rule is None and name not in REQUIRED]
        notes += [f"also missing: {', '.join(optional)}"] if optional else []
        fallbacks = [f"{name} by {f.rule}" for name, f in findings if f.fallback]
        return notes + ([f"found by fallback: {', '.join(fallbacks)}"] if fallbacks else [])

    def _other_notes(self) -> list[str]:
        """Teasers without text, article links on another host (the crawl's rule), and a listing of another source
        than the crawl's: worth a look, no failure."""
        without = sum(len(seen.without_text) for seen in self.pages.values() if seen.kind != "article")
        notes = [f"{counted(without, 'teaser')} without text"] if without else []
        notes += [f"not followed by a crawl: {self.elsewhere.told()}"] if self.elsewhere.by_host else []
        next_slice = self.pages.get("slice")
        if next_slice is not None and next_slice.uncaptured:
            notes.append(f"slice: the archive at {self.archive} holds no capture of it: its reading was not tried")
        shown = self.source_shown
        return notes + (
            [f"the listing shows {shown}, not {self.source}: -a source={shown!r}"]
            if shown and shown != self.source
            else []
        )


def _listing_problems(listing: PageSeen, next_slice: PageSeen | None) -> list[str]:
    if listing.error:
        return [f"listing: {listing.error}"]
    if not listing.teasers:
        return ["listing: no teaser (.article-desc) found"]
    if listing.next_slice is None:
        route = listing.control.route if listing.control else "none"
        return [f"More Articles: no next slice could be built (route {route}; give the source's id with --source-id K)"]
    if next_slice is None:
        return ["slice: not fetched"]
    if next_slice.uncaptured:
        return []  # a gap of the archive, said in the verdict's notes: not a reading of the crawler's
    if next_slice.error:
        return [f"slice: {next_slice.error}"]
    if not next_slice.teasers:
        return ["slice: no teaser in the next slice (is the source id right?)"]
    return []


def _article_problems(article: PageSeen) -> list[str]:
    if article.gate:
        return []
    if article.uncaptured:
        return [f"article: the archive holds no capture of {article.url}"]
    if article.error:
        return [f"article: {article.error}"]
    missing = [name for name in REQUIRED if article.findings.get(name, Finding(None)).rule is None]
    return [f"article: {', '.join(missing)} MISSING"] if missing else []
