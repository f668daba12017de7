"""The record, as the site's anatomy names its fields (``docs/site.md``, "The record")."""

from __future__ import annotations

from dataclasses import dataclass, field

# Field metadata: the field is written as JSON text in text feeds (CSV, XML); see vok_crawler.crawl.feeds.
JSON_IN_TEXT_FEEDS = "json_in_text_feeds"


@dataclass
class Teaser:
    """One "More From ..." teaser: a related article, kept even if its page is gone."""

    url: str | None = None
    title: str | None = None
    date: str | None = None
    teaser: str | None = None


@dataclass(frozen=True)
class RawTeaser:
    """One teaser block as the page holds it: its link and every copy of title, date and teaser text.

    Copies come in order of preference; which is kept is the processor's
    choice (:func:`vok_crawler.site.processors.to_teaser`).
    """

    url: str | None = None
    titles: tuple[str | None, ...] = ()
    date: str | None = None
    teasers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchiveCapture:
    """Where a record's page was read from when not from the live site: a web archive's capture of it.

    ``archive`` is the host of the archive's index (``web.archive.org``);
    ``timestamp`` the capture's, ``YYYYMMDDhhmmss`` in UTC; ``url`` the URL
    captured, as the archive spells it (the record's ``url`` is the article's
    canonical one).
    """

    archive: str
    timestamp: str
    url: str


@dataclass
class Article:
    """One Voice of Korea (EN) article; ``url`` is the dedupe key."""

    url: str | None = None
    title: str | None = None
    published: str | None = None
    posted: str | None = None
    posted_at: str | None = None
    source: str | None = None
    source_url: str | None = None
    body: str = ""
    related: list[Teaser] = field(default_factory=list, metadata={JSON_IN_TEXT_FEEDS: True})
    crawled_at: str | None = None
    capture: ArchiveCapture | None = field(default=None, metadata={JSON_IN_TEXT_FEEDS: True})
