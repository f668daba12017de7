"""What went wrong with a request, in a word: for log lines, stats and the health report.

The crawl's own reasons to fail a request (the gate's redirect, a bot check,
a redirect loop, an archive that could not keep the page, the browser gone)
are exceptions of Scrapy's kinds, raised by the downloader middlewares and
told apart here (:func:`error_kind`) when the spider's errback receives them.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost
from twisted.python.failure import Failure

from vok_crawler.crawl.private_api import ignored_because

# Kinds that say the site is refusing this crawler: enough of them in a row stop it.
REFUSALS = frozenset({"http_401", "http_403", "http_429", "unrecognized", "bot_check"})
# Kinds that say the page is no more: not asked for again (unless refresh=1). Every other
# kind leaves the article pending: a refusal or a passing fault never makes the crawler forget it.
GONE = frozenset({"http_404", "http_410"})


class GatedRedirect(IgnoreRequest):
    """A redirect to NK Pro's ``free-member-form``: the article is for subscribers."""


class BotCheck(IgnoreRequest):
    """A bot check answered instead of the page (:func:`vok_crawler.site.pages.challenge.challenge`): not retried, not parsed."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL of the same chain (A to B to A): following it would never end.

    Scrapy's dupefilter would drop the second request for A at DEBUG, silently.
    """


class NotArchived(IgnoreRequest):
    """A response the archive could not keep (its disk is full): not parsed, so no record lacks its capture."""


class CaptureUnread(IgnoreRequest):
    """A web archive's answer to a capture's byte range that is not its WARC record (cut short, another record,
    no WARC): :mod:`vok_crawler.crawl.capture_reading`."""


class BrowserLost(Exception):
    """The browser road's Chromium went away under the page (killed, crashed), or did not start again.

    Retried as any failed download, through a browser started anew with the
    profile (:mod:`vok_crawler.crawl.browser_handler`).
    """


_KINDS: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((BrowserLost,), "browser_lost"),
    ((NotArchived,), "not_archived"),
    ((CaptureUnread,), "capture_unread"),
    ((RedirectLoop,), "redirect_loop"),
    ((DownloadTimeoutError,), "timeout"),
    ((ResponseDataLossError,), "data_loss"),
    ((DownloadCancelledError,), "too_large"),
    (
        (
            DownloadConnectionRefusedError,
            DownloadFailedError,
            CannotResolveHostError,
            ConnectError,
            ConnectionLost,
            ConnectionDone,
        ),
        "connection",
    ),
    ((GatedRedirect,), "gated"),
    ((BotCheck,), "bot_check"),
    ((IgnoreRequest,), "ignored"),
]


def error_kind(failure: Failure) -> str:
    """``http_404``, ``http_5xx``, ``timeout``, ``gated``, ... or the exception's name."""
    error = failure.value
    if isinstance(error, HttpError):
        status = error.response.status
        return "http_5xx" if status >= 500 else f"http_{status}"
    told = ignored_because(error) if isinstance(error, IgnoreRequest) else None
    if told is not None:
        return told
    for types, kind in _KINDS:
        if isinstance(error, types):
            return kind
    return type(error).__name__


def failed_request(failure: Failure) -> Request:
    """The request of a failure that reached an errback (Scrapy sets it on the failure)."""
    request = getattr(failure, "request", None)
    assert isinstance(request, Request), "errbacks get failures with their request"
    return request


def http_response(failure: Failure) -> Response | None:
    """The response of a failure for an HTTP status, if it is one."""
    return failure.value.response if isinstance(failure.value, HttpError) else None
