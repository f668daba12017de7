"""``scrapy probe [URL] [--save DIR]``: does the crawler understand the site as it is today?

What a user runs first against the live site. A handful of polite requests,
with the project's settings (robots.txt, User-Agent, delays, retries, the
NK Pro gate's redirect rule, and the subscriber's cookies from
``-s VOK_COOKIES_FILE=``, sent as the crawl sends them): the listing, the
next "More Articles" slice and one article, the listing's first teaser. The
routing is the ``vok`` spider's own (:class:`ProbeSpider` subclasses it and
keeps only the first article and the next slice of what its
``parse_listing`` asks for), so the slice URL is built by the very code that
builds it in a crawl. Then a table: every field of the article found or
MISSING and by which rule, the teasers of the listing and the slice, the
pagination route, the gate, and a one-line verdict. Exit 0 when the pages
are understood, 1 when they are not, 2 when the probe could not run.

Nothing printed or saved holds a cookie: ``Cookie``/``Set-Cookie`` headers
are left out of saved pages, and any value of the cookies file that a page
or header repeats is replaced by ``[cookie value removed]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.commands.crawl import keep_error
from vok_crawler.cookies import load_cookies
from vok_crawler.errors import BadConfiguration, error_kind, failed_request, http_response
from vok_crawler.items import Article
from vok_crawler.memory import CrawlMemory, utc_now
from vok_crawler.pages import ArticlePage, Finding, SitePage
from vok_crawler.parsing import page_selector
from vok_crawler.serialize import json_line
from vok_crawler.slices import Control
from vok_crawler.spiders.vok import DEFAULT_START_URL, VokSpider
from vok_crawler.urls import asked_url

logger = logging.getLogger(__name__)

KINDS = ("listing", "slice", "article")  # also the order of the saved files: 1-listing, 2-slice, 3-article
REQUIRED = ("url", "title", "body")  # without these an article is not understood
# The record's fields in its order; posted_at comes from the same rule as posted.
RECORD_FIELDS = ("url", "title", "published", "posted", "posted_at", "source", "source_url", "body", "related")
ROUTES = {
    "href": "a link to the next slice",
    "data": "data-id on a script-driven control (no link)",
    "script": "the id of a slice URL in a link or inline script",
    "none": "none found",
}
REMOVED = "[cookie value removed]"
MIN_SECRET = 6  # shorter cookie values ("1", "en") are no secret, and would garble every page
DROPPED_HEADERS = frozenset({"cookie", "set-cookie", "set-cookie2"})
WIDTH = 72
UNREACHED = frozenset({"connection", "timeout"})  # error kinds of a site that never answered


@dataclass
class PageSeen:
    """One page the probe asked for, and what the page objects read on it."""

    kind: str
    url: str
    status: int | None = None
    error: str | None = None
    teasers: list[Any] = field(default_factory=list)
    control: Control | None = None
    next_slice: str | None = None
    walk: dict[str, object] = field(
        default_factory=dict
    )  # the slice walk's id, size and reading of 'to' after this page
    gate: str | None = None
    is_article: bool = False
    findings: dict[str, Finding] = field(default_factory=dict)
    record: Article | None = None


@dataclass
class Probe:
    """What the probe found, filled in by :class:`ProbeSpider`, judged by :meth:`verdict`."""

    start_url: str
    pages: dict[str, PageSeen] = field(default_factory=dict)
    saved: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed: int = 0  # cookie values replaced in what was saved
    manner: str = ""  # how it asked: requests, robots.txt, delay, User-Agent, cookies

    def problems(self) -> list[str]:
        """What the crawler does not understand; empty when it understands the pages."""
        listing, article = self.pages.get("listing"), self.pages.get("article")
        problems: list[str] = []
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

    def verdict(self) -> str:
        """One line: understood or not, what is missing, what was found only by a fallback, the gate."""
        if self.unreached():
            errors = sorted({str(seen.error) for seen in self.pages.values()})
            return f"COULD NOT RUN: nothing answered at {self.start_url} ({', '.join(errors)})"
        problems = self.problems()
        article = self.pages.get("article")
        findings = article.findings.items() if article is not None else []
        notes = (
            [f"article gated ({article.gate}): give a subscriber's cookies to read it"]
            if article and article.gate
            else []
        )
        optional = [name for name, f in findings if f.rule is None and name not in REQUIRED]
        notes += [f"also missing: {', '.join(optional)}"] if optional else []
        fallbacks = [f"{name} by {f.rule}" for name, f in findings if f.fallback]
        notes += [f"found by fallback: {', '.join(fallbacks)}"] if fallbacks else []
        head = "NOT UNDERSTOOD: " + "; ".join(problems) if problems else "OK: the crawler understands these pages"
        return "; ".join([head, *notes])


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
    if next_slice.error:
        return [f"slice: {next_slice.error}"]
    if not next_slice.teasers:
        return ["slice: no teaser in the next slice (is the source id right?)"]
    return []


def _article_problems(article: PageSeen) -> list[str]:
    if article.gate:
        return []
    if article.error:
        return [f"article: {article.error}"]
    missing = [name for name in REQUIRED if article.findings.get(name, Finding(None)).rule is None]
    return [f"article: {', '.join(missing)} MISSING"] if missing else []


class ProbeSpider(VokSpider):
    """The ``vok`` spider's routing, cut down to the listing, its next slice and one article.

    It keeps a :class:`CrawlMemory` without a corpus (it remembers nothing
    and writes nothing) and no extension of the crawl runs for it: only its
    :class:`Probe` and, with ``save``, the raw pages are written.
    """

    name = "probe"
    custom_settings = {"ITEM_PIPELINES": {}}  # noqa: RUF012  (Scrapy declares it an instance attribute)

    def __init__(self, probe: Probe, save: str | None = None, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.probe = probe
        probe.start_url = self.start_url
        self.save_dir = Path(save) if save else None
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.memory = CrawlMemory(self.crawler, None, self.options)
        for request in self._follow([self.start_url], self.parse):
            yield request

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """The crawl's own reading of the page; of its requests, the first article and the next slice."""
        kind = "listing" if asked_url(response) == self.start_url else "slice"
        requests = list(super().parse_listing(response))
        seen = self._seen(kind, response)
        seen.walk = self.memory.walk.remembered()
        if isinstance(response, TextResponse):
            page = SitePage(page_selector(response), response.url, self.start_url)
            seen.teasers = page.teasers()
            seen.control = page.more_articles()
        if kind == "slice":
            return
        articles = [r for r in requests if r.callback == self.parse_article]
        slices = [r for r in requests if r.callback == self.parse_listing]
        if slices:
            seen.next_slice = slices[0].url
        yield from articles[:1] + slices[:1]

    def parse_article(self, response: Response) -> Iterator[Article]:
        """What the crawl would read on the article: every finding, the gate, the record."""
        seen = self._seen("article", response)
        if not isinstance(response, TextResponse):
            seen.error = f"not an HTML page ({(response.headers.get('Content-Type') or b'').decode('latin-1')})"
            return iter(())
        page = ArticlePage(page_selector(response), response.url, self.start_url)
        seen.gate, seen.is_article = page.gate(), page.is_article()
        seen.findings, seen.record = page.findings(), page.to_item(crawled_at=utc_now())
        wanted = self.settings.get("VOK_SOURCE")
        if seen.record.source and seen.record.source != wanted:
            self.probe.notes.append(
                f"the article's source is {seen.record.source!r}, not {wanted!r}: the crawl would skip it"
            )
        if self.save_dir is not None:
            self._save_expected(seen)
        return iter(())

    def on_error(self, failure: Failure) -> None:
        """A request that failed for good: the gate's redirect, a refusal, robots.txt, ..."""
        request = failed_request(failure)
        kind = error_kind(failure)
        url = asked_url(request)
        if kind == "gated" or request.callback == self.parse_article:
            which = "article"
        else:
            which = "listing" if url == self.start_url else "slice"
        seen = self.probe.pages.setdefault(which, PageSeen(which, url))
        if kind == "gated":
            seen.gate = "redirect to free-member-form"
            return
        response = http_response(failure)
        seen.status = response.status if response is not None else None
        seen.error = "forbidden by robots.txt" if "robots.txt" in failure.getErrorMessage() else kind
        if response is not None:
            self._save(which, response)

    def _seen(self, kind: str, response: Response) -> PageSeen:
        seen = self.probe.pages.setdefault(kind, PageSeen(kind, asked_url(response)))
        seen.status = response.status
        self._save(kind, response)
        return seen

    def _save(self, kind: str, response: Response) -> None:
        """The raw response as ``<n>-<kind>.html`` and ``<n>-<kind>.json`` (url, status, headers)."""
        if self.save_dir is None:
            return
        self.save_dir.mkdir(parents=True, exist_ok=True)
        stem = self.save_dir / f"{KINDS.index(kind) + 1}-{kind}"
        headers = {
            key.decode("latin-1"): [self._scrub(v.decode("latin-1")) for v in values]
            for key, values in response.headers.items()
            if key.decode("latin-1").lower() not in DROPPED_HEADERS
        }
        info = {"url": self._scrub(response.url), "status": response.status, "headers": headers}
        if asked_url(response) != response.url:
            info["asked_url"] = self._scrub(asked_url(response))
        stem.with_suffix(".html").write_bytes(self._scrub_bytes(response.body))
        stem.with_suffix(".json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.probe.saved += [stem.with_suffix(".html"), stem.with_suffix(".json")]

    def _save_expected(self, seen: PageSeen) -> None:
        """A draft ``expected.json`` to review: the record as read now, or the gate's trace; never overwritten."""
        assert self.save_dir is not None and seen.record is not None
        path = self.save_dir / "expected.json"
        if path.exists():
            self.probe.notes.append(f"{path} kept as it was (a reviewed record is never overwritten)")
            return
        if seen.gate:
            expected: dict[str, Any] = {"gate": seen.gate}
        else:
            expected = {k: v for k, v in json.loads(json_line(seen.record)).items() if k != "crawled_at"}
        path.write_text(self._scrub(json.dumps(expected, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
        self.probe.saved.append(path)
        self.probe.notes.append(f"{path} is a DRAFT: check every value against 3-article.html before committing it")

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            self.probe.removed += text.count(secret)
            text = text.replace(secret, REMOVED)
        return text

    def _scrub_bytes(self, body: bytes) -> bytes:
        for secret in self.secrets:
            self.probe.removed += body.count(secret.encode())
            body = body.replace(secret.encode(), REMOVED.encode())
        return body


def table(probe: Probe, secrets: Iterable[str] = ()) -> str:
    """The report: pages, teasers, route, gate, every field, and the verdict."""
    lines = [f"Probe of {probe.start_url}", *([probe.manner] if probe.manner else []), ""]
    for kind in KINDS:
        seen = probe.pages.get(kind)
        if seen is not None:
            status = seen.status if seen.status is not None else ("3xx" if seen.gate else "-")
            lines.append(f"{kind:<9}{status!s:<5}{seen.url}" + (f"  ({seen.error})" if seen.error else ""))
    lines.append("")
    for kind in ("listing", "slice"):
        seen = probe.pages.get(kind)
        if seen is not None and not seen.error:
            lines.append(f"{kind + ' teasers':<16}{_teasers(seen.teasers)}")
    listing = probe.pages.get("listing")
    if listing is not None and listing.control is not None:
        control = listing.control
        lines.append(f"{'pagination':<16}route {control.route}: {ROUTES.get(control.route, control.route)}")
        walk = listing.walk
        lines.append(f"{'':<16}source id {walk.get('source_id') or '?'}, slice size {walk.get('slice_size') or '?'}")
        lines.append(f"{'next slice':<16}{listing.next_slice or 'none: the crawl could not build it'}")
        next_slice = probe.pages.get("slice")
        if next_slice is not None and next_slice.walk:
            lines.append(f"{'':<16}'to' read as: {next_slice.walk.get('to_reading')}")
    article = probe.pages.get("article")
    if article is not None:
        lines.append(f"{'gate':<16}{'GATED by ' + article.gate if article.gate else 'none'}")
        if article.findings:
            if not article.is_article:
                lines.append(
                    f"{'':<16}no h1.article-title, div.article-content or p.article-meta: the crawl takes it for no article"
                )
            width = max(len(f.rule or "") for f in article.findings.values()) + 2
            lines += ["", f"{'field':<12}{'':<10}{'rule':<{width}}value"]
            for name in RECORD_FIELDS:
                finding = article.findings.get("posted" if name == "posted_at" else name, Finding(None))
                found = "MISSING" if finding.rule is None else ("fallback" if finding.fallback else "found")
                value = _value(name, article.record) if finding.rule else ""
                lines.append(f"{name:<12}{found:<10}{finding.rule or '-':<{width}}{value}".rstrip())
    lines += ["", *probe.notes] if probe.notes else []
    if probe.saved:
        lines.append(
            f"saved {len(probe.saved)} files in {probe.saved[0].parent}"
            + (f" ({probe.removed} cookie values removed)" if probe.removed else "")
        )
    lines += ["", f"verdict: {probe.verdict()}"]
    text = "\n".join(lines)
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REMOVED)
    return text


def _teasers(teasers: list[Any]) -> str:
    if not teasers:
        return "0"
    first = teasers[0]
    return f"{len(teasers)}; first: {_short(first.title or '?', 48)!r} ({first.date or 'no date'})"


def _value(name: str, record: Article | None) -> str:
    value = getattr(record, name, None) if record is not None else None
    if name == "related":
        return _teasers(value or [])
    if name == "body" and value:
        return f"{len(value.split(chr(10) + chr(10)))} paragraphs, {len(value)} chars: {_short(value, WIDTH - 45)!r}"
    if value is None:
        return "null (found, but not a valid value)"
    return str(value) if name in ("url", "source_url") else _short(str(value), WIDTH)


def _short(text: str, width: int) -> str:
    return textwrap.shorten(" ".join(text.split()), width=max(width, 12), placeholder=" …")


def manner(crawler: Crawler) -> str:
    """How the probe asked, so that a user sees it was as polite as the crawl (and whether cookies went)."""
    settings, counts = crawler.settings, crawler.stats.get_stats()
    robots = "robots.txt obeyed" if settings.getbool("ROBOTSTXT_OBEY") else "robots.txt NOT obeyed"
    delay = settings.getfloat("DOWNLOAD_DELAY")
    file = settings.get("VOK_COOKIES_FILE")
    cookies = (
        f"from {file}, sent with {counts.get(stats.COOKIES_SENT, 0)} requests"
        if file
        else "none (-s VOK_COOKIES_FILE=cookies.txt)"
    )
    return (
        f"{'asked':<16}{counts.get('downloader/request_count', 0)} requests, {robots}, at least {delay:g} s apart, "
        f"as {settings.get('USER_AGENT')!r}\n{'cookies':<16}{cookies}"
    )


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[URL] [--save DIR] [--source-id K] [-s VOK_COOKIES_FILE=cookies.txt]"

    def short_desc(self) -> str:
        return "Fetch the listing, its next slice and one article, and say what the crawler understands of them"

    def long_desc(self) -> str:
        return (
            f"A handful of polite requests with the project's settings to URL (default {DEFAULT_START_URL}): the listing, "
            "the next 'More Articles' slice as the crawl builds it, and the listing's first article; then a table of every "
            "field (found, by a fallback, or MISSING, by which rule, the value), the teasers, the pagination route, the NK Pro "
            "gate and a verdict. URL may also be an article page. Exit 0: the pages are understood (teasers on the listing "
            "and on the next slice, an article with url, title and body, or gated); 1: not, naming what is missing; 2: the "
            "probe could not run. Subscriber cookies: -s VOK_COOKIES_FILE=cookies.txt, sent as the crawl sends them; no "
            "cookie value is ever printed or saved. --save DIR writes each raw response as DIR/<n>-<kind>.html and "
            "DIR/<n>-<kind>.json (url, status, headers without Cookie/Set-Cookie) and a draft DIR/expected.json, the "
            "article's record as read now (or its gate), never overwriting one that exists. To make a fixture test: "
            "scrapy probe URL --save tests/fixtures/NAME, check expected.json against 3-article.html value by value and "
            "correct it where the crawler is wrong, then commit the folder: tests/test_fixtures.py builds the ArticlePage "
            "from every tests/fixtures/*/ and compares its record with expected.json."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--save", metavar="DIR", help="write the raw responses and a draft expected.json to DIR")
        parser.add_argument("--source-id", metavar="K", help="the source's id in slice URLs, when no page shows it")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("scrapy probe takes at most one URL")
        assert self.crawler_process is not None and self.settings is not None
        url = args[0] if args else DEFAULT_START_URL
        try:
            secrets = self._secrets()
        except BadConfiguration as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = 2
            return
        probe = Probe(start_url=url)
        crawler = self.crawler_process.create_crawler(ProbeSpider)
        errors: list[BaseException] = []
        keep_error(
            self.crawler_process.crawl(
                crawler, probe=probe, save=opts.save, secrets=secrets, start_url=url, source_id=opts.source_id
            ),
            errors,
        )
        self.crawler_process.start()
        refused = [str(error) for error in errors if isinstance(error, BadConfiguration)]
        if errors or self.crawler_process.bootstrap_failed:
            for other in errors:
                if not isinstance(other, BadConfiguration):
                    logger.error("The probe could not run", exc_info=(type(other), other, other.__traceback__))
            print(f"Error: {refused[0] if refused else 'the probe could not start (see the log)'}", file=sys.stderr)
            self.exitcode = 2
            return
        probe.manner = manner(crawler)
        print(table(probe, secrets))
        self.exitcode = 2 if probe.unreached() else 1 if probe.problems() else 0

    def _secrets(self) -> list[str]:
        """Every value of the cookies file, to be kept out of what is printed and saved."""
        assert self.settings is not None
        setting = self.settings.get("VOK_COOKIES_FILE")
        if not setting:
            return []
        return [cookie.value for cookie in load_cookies(Path(setting).expanduser()) if cookie.value]
