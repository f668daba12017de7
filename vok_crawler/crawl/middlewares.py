"""Downloader middlewares: faults of the transport, handled before any parsing."""

from __future__ import annotations

import codecs
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.settings import BaseSettings
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding
from w3lib.url import safe_url_string

from vok_crawler import stats
from vok_crawler.crawl.config import seconds_setting
from vok_crawler.crawl.failures import GatedRedirect, RedirectLoop
from vok_crawler.crawl.private_api import hold_back_slot
from vok_crawler.crawl.roads.road import ROAD_OWN
from vok_crawler.crawl.scope import ReadsContext, reads_the_site, require_site_reader
from vok_crawler.crawl.warc_records import RENDERED_BY_BROWSER
from vok_crawler.site.urls import canonical_url, is_free_member_form

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, paced as a polite client paces them.

    A 429 or 503 with ``Retry-After`` is retried no sooner than the server
    asked (at most ``VOK_RETRY_AFTER_MAX`` seconds); other retryable
    statuses and errors (timeouts, resets, truncated bodies) wait
    ``VOK_RETRY_BACKOFF_BASE * 2**(n-1)`` seconds before the n-th retry, at
    most ``VOK_RETRY_BACKOFF_MAX``. Replaces Scrapy's ``RetryMiddleware``,
    which every other crawl of the project gets unchanged.

    The wait is the site's, not the request's: the retry goes back to the
    scheduler at once, and the downloader slot of the site is held back for
    the wait (as discussed for Retry-After in scrapy#3849), so no other
    request slips past a server that asked for a pause, and no download slot
    sits asleep. With AutoThrottle on, the slot's delay rises to the wait, so
    AutoThrottle starts from there and eases off as answers come back well.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = seconds_setting(settings, "VOK_RETRY_BACKOFF_BASE")
        self.backoff_max = seconds_setting(settings, "VOK_RETRY_BACKOFF_MAX")
        self.retry_after_max = seconds_setting(settings, "VOK_RETRY_AFTER_MAX")
        self.throttled = settings.getbool("AUTOTHROTTLE_ENABLED")
        self.throttle_max = settings.getfloat("AUTOTHROTTLE_MAX_DELAY")
        self.crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryMiddleware:  # type: ignore[override]
        if not reads_the_site(crawler.spidercls):
            return RetryMiddleware.from_crawler(crawler)
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if response.status in RETRY_AFTER_STATUSES and asked is not None:
                self._hold_back(request, min(asked, self.retry_after_max), "retry_after")
            else:
                self._hold_back(request, self._backoff(result), "backoff")
        return result

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            self._hold_back(request, self._backoff(result), "backoff")
        return result

    def _backoff(self, retry: Request) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** (int(retry.meta["retry_times"]) - 1)))

    def _hold_back(self, request: Request, seconds: float, why: str) -> None:
        """No request goes to the site's downloader slot for ``seconds``."""
        self.crawler.stats.inc_value(stats.retry(why))
        self.crawler.stats.inc_value(stats.retry(f"{why}_seconds"), round(seconds))
        logger.info("Retrying %s in %.1f s (%s)", request.url, seconds, why.replace("_", "-"))
        hold_back_slot(self.crawler, request, seconds, self.throttle_max if self.throttled else None)


class DeclaredCharsetMiddleware:
    """Read a page in the charset its own markup declares when the header says another.

    A server that labels UTF-8 pages ``charset=iso-8859-1`` turns every curly
    quote and Korean letter into mojibake. The page's ``<meta charset>`` is
    trusted over the header when the body really decodes in it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeclaredCharsetMiddleware:
        require_site_reader(crawler)
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        header = http_content_type_encoding((response.headers.get("Content-Type") or b"").decode("latin-1"))
        if not header:  # nothing to contradict: Scrapy reads the page's own declaration already
            return response
        declared = html_body_declared_encoding(response.body)
        if not declared or _same_codec(header, declared) or not _decodes(response.body, declared):
            return response
        logger.warning(
            "%s: header says charset %s, the page says %s; reading it as %s", response.url, header, declared, declared
        )
        self.stats.inc_value(stats.CHARSET_OVERRIDDEN)
        return response.replace(encoding=declared)


def _same_codec(a: str, b: str) -> bool:
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


class OffSiteRedirectMiddleware(ReadsContext):
    """Judge a redirect before it is followed: the NK Pro gate, a way off the site, or another of its names.

    A redirect to a ``free-member-form`` URL is the gate, wherever it leads:
    the request fails with :class:`~vok_crawler.crawl.failures.GatedRedirect`, before
    any off-site rule, so the article is remembered as gated. Any other
    redirect off the crawled site is refused with ``IgnoreRequest``: Scrapy's
    offsite filter would drop it quietly (at DEBUG), while this way the
    spider's errback logs and counts it. A redirect to another of the site's
    names (``VOK_HOST_ALIASES``) is followed on the crawl's own scheme and
    host, made canonical as links are: there the subscriber's cookies go with
    it, and the page is the one a link to it would have asked for. A redirect
    back to a URL of its own chain, as it is or once on the crawl's host, is
    a :class:`~vok_crawler.crawl.failures.RedirectLoop`, which the dupefilter would
    drop quietly. A request a road makes to a host of its own (:data:`~vok_crawler.crawl.roads.road.ROAD_OWN`,
    an archive's index) is not the site's: its redirects are the road's to
    judge, not this one's. Runs before ``RedirectMiddleware``. The browser road hands
    it the server's redirects as they came (:mod:`vok_crawler.crawl.browser`), and
    a page whose script took the browser elsewhere, judged by where it went.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffSiteRedirectMiddleware:
        require_site_reader(crawler)
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get("Location")
        if request.meta.get(ROAD_OWN):
            return response
        if 300 <= response.status < 400 and location:
            target = response.urljoin(location.decode("latin-1"))
            self._judge(target)
            followed = self._on_crawl_host(target)
            chain = [*request.meta.get("redirect_urls", ()), request.url]  # Scrapy keeps the URLs redirected from
            if safe_url_string(followed) in chain:
                raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, target])}{_renamed(target, followed)}")
            if followed != target:
                self.crawler.stats.inc_value(stats.REDIRECTS_TO_OTHER_NAME)
                headers = response.headers.copy()
                headers["Location"] = followed
                return response.replace(headers=headers)
        elif RENDERED_BY_BROWSER in response.flags and response.url != request.url:  # a page's script took it there
            self._judge(response.url)
        return response

    def _on_crawl_host(self, target: str) -> str:
        """A target (judged on the site) on another of the site's names, as a link to it is asked for.

        The crawl's own host under another scheme (``http`` to ``https``) is no other name: it is followed as it is.
        """
        origin = self.context.start_url
        if urlsplit(target).netloc.lower() == urlsplit(origin).netloc.lower():
            return target
        return canonical_url(target, target, origin, self.context.aliases) or target

    def _judge(self, target: str) -> None:
        if is_free_member_form(target):
            raise GatedRedirect(f"redirect to the NK Pro gate, {target}")
        if not self.context.on_site(target):
            self.crawler.stats.inc_value(stats.REDIRECTS_OFF_SITE)
            raise IgnoreRequest(f"redirect off the site, to {target}")


def _renamed(target: str, followed: str) -> str:
    """What a loop's line adds when the crawl's host made it: the site sends the page to its other name."""
    if followed == target:
        return ""
    return (
        f", which is {followed} on the crawl's own host: the site sends this page to its other name "
        f"{urlsplit(target).netloc}; if it sends every page there, start the crawl on that name (-a start_url=...)"
    )
