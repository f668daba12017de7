"""``scrapy probe [URL] [--save DIR]``: does the crawler understand the site as it is today?

What a user runs first against the live site. A handful of polite requests,
with the project's settings (robots.txt, User-Agent, delays, retries, the
NK Pro gate's redirect rule, and the subscriber's cookies from
``-s VOK_COOKIES_FILE=``, sent as the crawl sends them): the listing, the
next "More Articles" slice, one article (the listing's first teaser) and
the search road for that article's day. The routing is the ``vok``
spider's own (:class:`~vok_crawler.crawl.probe.spider.ProbeSpider`), so the
slice URL is built by the very code that builds it in a crawl. Then a table
(:mod:`vok_crawler.crawl.probe.table`): every field of the article found or
MISSING and by which rule, the teasers of the listing and the slice (and
those whose text was not found), the control and its href, the pagination
route, the host names links named, the search, the gate, and a one-line
verdict (:mod:`vok_crawler.crawl.probe.model`). Exit 0 when the pages are
understood, 1 when they are not, 2 when the probe could not run.

Nothing printed or saved holds a cookie: ``Cookie``/``Set-Cookie`` headers
are left out of saved pages (:mod:`vok_crawler.crawl.probe.saving`), and any
value of the cookies file that a page or header repeats is replaced by
``[cookie value removed]`` (:mod:`vok_crawler.store.secrets`).

``--archive`` reads the same pages from a web archive instead
(``VOK_ARCHIVE_CDX``, ``VOK_ARCHIVE_REPLAY``, ``VOK_ARCHIVE_WARC``): each
one's newest whole capture, found by a few questions to the archive's index
(:mod:`vok_crawler.crawl.probe.archived`), and nothing asked of the site: a
user sees how the crawler reads real pages of the site, captured by
others, before the first request to it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from vok_crawler import stats
from vok_crawler.commands.crawl import keep_error
from vok_crawler.crawl.config import web_archive
from vok_crawler.crawl.cookies import load_cookies
from vok_crawler.crawl.probe.model import Probe
from vok_crawler.crawl.probe.spider import ProbeSpider
from vok_crawler.crawl.probe.table import table
from vok_crawler.crawl.spiders.vok import DEFAULT_START_URL
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.archive_index import WebArchive
from vok_crawler.wording import counted

logger = logging.getLogger(__name__)


def manner(crawler: Crawler, probe: Probe) -> str:
    """How the probe asked, so that a user sees it was as polite as the crawl (and whether cookies went); with
    ``--archive``, what it asked of the archive, at the archive's own pace."""
    settings, counts = crawler.settings, crawler.stats.get_stats()
    robots = "robots.txt obeyed" if settings.getbool("ROBOTSTXT_OBEY") else "robots.txt NOT obeyed"
    if probe.archive is not None:
        asked = probe.archive_asked
        return (
            f"{'asked':<16}{counts.get('downloader/request_count', 0)} requests of the archive at {probe.archive} "
            f"({counted(asked.index, 'index question')}, {counted(asked.captures, 'capture')}), {robots}, at least "
            f"{settings.getfloat('VOK_ARCHIVE_DELAY'):g} s apart, as {settings.get('USER_AGENT')!r}; none of the site"
        )
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
        return "[URL] [--archive] [--save DIR] [--source-id K] [-s VOK_COOKIES_FILE=cookies.txt]"

    def short_desc(self) -> str:
        return "Fetch the listing, its next slice and one article, and say what the crawler understands of them"

    def long_desc(self) -> str:
        return (
            f"A handful of polite requests with the project's settings to URL (default {DEFAULT_START_URL}): the listing, "
            "the next 'More Articles' slice as the crawl builds it, the listing's first article, and the site's search for "
            "that article's day; then a table of every field (found, by a fallback, or MISSING, by which rule, the value), "
            "the teasers (and those whose text was not found), the control and its href, the pagination route, the host "
            "names the links named (the crawl's, a known alias, another host with article links a crawl does not follow and "
            "the setting that takes them, or other), the search, the NK Pro gate and a verdict. URL may also be an article page. Exit 0: the pages are understood (teasers on the listing "
            "and on the next slice, an article with url, title and body, or gated); 1: not, naming what is missing; 2: the "
            "probe could not run. Subscriber cookies: -s VOK_COOKIES_FILE=cookies.txt, sent as the crawl sends them; no "
            "cookie value is ever printed or saved. --save DIR writes each raw response as DIR/<n>-<kind>.html and "
            "DIR/<n>-<kind>.json (url, status, headers without Cookie/Set-Cookie) and a draft DIR/expected.json, the "
            "article's record as read now (or its gate), never overwriting one that exists. To make a fixture test: "
            "scrapy probe URL --save tests/fixtures/NAME, check expected.json against 3-article.html value by value and "
            "correct it where the crawler is wrong, then commit the folder: tests/test_fixtures.py builds the ArticlePage "
            "from every tests/fixtures/*/ and compares its record with expected.json. --archive reads the listing, the "
            "slice and the article from a web archive (VOK_ARCHIVE_CDX, VOK_ARCHIVE_REPLAY, VOK_ARCHIVE_WARC; the Wayback "
            "Machine by default) instead of the site: each page's newest whole capture (one the archive does not give, or "
            "an article's that is the gate, no article or not understood, passed over for the next older), found by a few questions to its index and asked VOK_ARCHIVE_DELAY seconds apart, "
            "nothing asked of the site; the table gives each capture's time and URL, --save keeps the captures under the "
            "URLs captured, and an archive that holds no capture of URL is exit 1, saying so. No cookies with --archive."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--save", metavar="DIR", help="write the raw responses and a draft expected.json to DIR")
        parser.add_argument("--source-id", metavar="K", help="the source's id in slice URLs, when no page shows it")
        parser.add_argument(
            "--archive",
            action="store_true",
            help="read the pages' newest captures in the web archive (VOK_ARCHIVE_CDX), not the site",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("scrapy probe takes at most one URL")
        assert self.crawler_process is not None and self.settings is not None
        url = args[0] if args else DEFAULT_START_URL
        try:
            secrets = self._secrets()
            archive = self._archive(opts.archive)
        except BadConfiguration as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = 2
            return
        probe = Probe(start_url=url)
        crawler = self.crawler_process.create_crawler(ProbeSpider)
        errors: list[BaseException] = []
        keep_error(
            self.crawler_process.crawl(
                crawler,
                probe=probe,
                save=opts.save,
                secrets=secrets,
                archive=archive,
                start_url=url,
                source_id=opts.source_id,
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
        probe.manner = manner(crawler, probe)
        print(table(probe, secrets))
        self.exitcode = 2 if probe.unreached() else 1 if probe.problems() else 0

    def _archive(self, wanted: bool) -> WebArchive | None:
        """With ``--archive``, where the archive is (its settings read strictly); a subscriber's cookies, which open
        the live site's gate and no archive's capture, are a contradiction."""
        assert self.settings is not None
        if not wanted:
            return None
        if self.settings.get("VOK_COOKIES_FILE"):
            raise BadConfiguration(
                "--archive reads an archive's captures, which no cookie opens: leave out -s VOK_COOKIES_FILE"
            )
        return web_archive(self.settings)

    def _secrets(self) -> list[str]:
        """Every value of the cookies file, to be kept out of what is printed and saved."""
        assert self.settings is not None
        setting = self.settings.get("VOK_COOKIES_FILE")
        if not setting:
            return []
        return [cookie.value for cookie in load_cookies(Path(setting).expanduser()) if cookie.value]
