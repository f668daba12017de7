"""The sample site with faults injected, for the tests of a daily run's resilience.

Each fault is tied to one path (or, for "More Articles" slices, which share
one path, to a slice's ``from``) and fires as a real server would send it:
status codes with ``Retry-After``, a connection that hangs or is reset, a
body cut short, a lying charset header, a page over the size limit, a 200
"server busy" page, a redirect off the site (``/go/elsewhere/``). A site
can also refuse everything but a few paths (``refuse``), as a site that
blocks a crawler does. Pages can be rewritten, e.g. to add links
(:data:`EXTRA_TEASERS`) or to change the markup as a redesign would.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from twisted.web.server import NOT_DONE_YET, Request

from vok_crawler.tools.sample_site import PAGE, SampleSite

EXTRA_TEASERS = b"""<div class="article-desc"><h4><a href="javascript:void(0)">Share</a></h4></div>
<div class="article-desc"><h4><a href="mailto:editor@kcnawatch.org">Write to us</a></h4></div>
<div class="article-desc"><h4><a href="/go/elsewhere/">Elsewhere</a></h4></div>
"""
WRAPPER = b'<div id="latest_article_wrapper">\n'
WITH_EXTRA_TEASERS = ("/article/163/", WRAPPER, WRAPPER + EXTRA_TEASERS)
SLICE_PATH = "/wp-admin/admin-ajax.php"
# What an overloaded server (or a block page) answers with a 200: neither article, listing nor gate.
BUSY_PAGE = (
    b"<!DOCTYPE html><html><head><title>Server busy</title></head>"
    b"<body><h1>The server is busy</h1><p>Please try again in a few minutes.</p></body></html>"
)


# What a slice's "More Articles" link says under a slice fault: itself, an absurd offset (and ``to``),
# or the next slice one teaser early (``one_short``, an overlap of one): see :func:`slice_link`.
SLICE_LINKS = {
    "self": None,
    "one_short": None,
    "jump": b"from=99999999999999999999999&amp;to=1e400",
    "jump_to": b"from=99999999999999999999999&amp;to=12",
}
_LINK_OFFSETS = re.compile(rb"from=\d+&amp;to=\d+")
# WordPress's answers to an admin-ajax action past the end of the list.
WORDPRESS_ENDS = {"wp0": b"0", "wp-1": b"-1"}


def slice_link(fault: str, start: bytes, to: bytes) -> bytes:
    """The offsets a slice's "More Articles" link names under ``fault`` (one of :data:`SLICE_LINKS`)."""
    if fault == "one_short":
        return b"from=%d&amp;to=%s" % (int(start) + PAGE - 1, to)
    return SLICE_LINKS[fault] or b"from=%s&amp;to=%s" % (start, to)


class FaultySite(SampleSite):
    """``faults`` maps a path to a fault name, ``slice_faults`` a slice's ``from`` to one;
    ``times`` keeps when each path was asked for.

    Once-only faults (``429``, ``503``, ``500x2``, ``hang``, ``reset``,
    ``truncate``) answer the first request(s) wrongly and the next ones
    right; ``down`` (500), ``403``, ``gone`` (404: withdrawn), ``busy`` (a 200 page that is no page of
    the site), ``charset`` and ``huge`` stay until the fault is removed.
    ``refuse = (status, allowed_paths)`` answers ``status`` (429 with
    ``Retry-After: 0``) to every path not allowed. Slices only: ``unavailable``
    (503 for good), ``self``, ``jump`` and ``jump_to`` (the slice's link points
    at itself, at an absurd offset, or one teaser short of the next slice: :data:`SLICE_LINKS`), ``wp0`` and
    ``wp-1`` (WordPress's answers, where the list ends); ``ignore_from``
    answers every slice as the first one, whatever its ``from``.
    """

    def __init__(
        self,
        root: Path,
        faults: dict[str, str] | None = None,
        delay: float = 0.0,
        rewrite: list[tuple[str, bytes | re.Pattern[bytes], bytes]] = (),
        copies: dict[str, str] | None = None,
        slice_faults: dict[int, str] | None = None,
        **options: Any,
    ) -> None:
        """``rewrite``: (path prefix, old, new) replaced in the pages under that prefix (``old``
        bytes or a compiled regex); ``copies``: a new path served with the page of an existing
        one; ``options``: :class:`SampleSite`'s (``to_reading``, ``slice_control``, ``loop``, ``flaky``)."""
        super().__init__(root, delay=delay, **options)
        self.faults = dict(faults or {})
        self.slice_faults = dict(slice_faults or {})
        self.rewrite = list(rewrite)
        self.copies = dict(copies or {})
        self.refuse: tuple[int, set[str]] | None = None
        self.ignore_from = False
        self.retry_after = "1"  # seconds, what a once-only 429 or 503 asks the client to wait
        self.times: dict[str, list[float]] = defaultdict(list)

    def fault(self, request: Request, path: str) -> str | None:
        if path == SLICE_PATH:
            try:
                return self.slice_faults.get(int(request.args[b"from"][0]))
            except (KeyError, ValueError):
                return None
        return self.faults.get(path)

    def redirect(self, request: Request, path: str) -> bytes | None:
        """The fault ``redirect:PATH``: a 301 to PATH (an empty body, so not the page's)."""
        fault = self.fault(request, path)
        if not fault or not fault.startswith("redirect:"):
            return None
        request.setResponseCode(301)
        request.setHeader("Location", fault.removeprefix("redirect:"))
        return b" "

    def early_answer(self, request: Request, path: str) -> bytes | int | None:
        """The answer of a fault that stands instead of the page, if one fires now."""
        if self.refuse and path not in self.refuse[1]:
            status = self.refuse[0]
            request.setResponseCode(status)
            if status == 429:
                request.setHeader("Retry-After", "0")
            return b"<html><body><h1>Access denied</h1></body></html>"
        if path == "/go/elsewhere/":
            host = request.getHost()
            # Off the site: another loopback address (localhost is the samples' second name of the site).
            request.redirect(f"http://127.0.0.2:{host.port}/newstream/1-1/elsewhere/".encode())
            return b""
        fault = self.fault(request, path)
        attempt = len(self.times[path])
        if fault in ("429", "503") and attempt == 1:
            request.setResponseCode(int(fault))
            request.setHeader("Retry-After", self.retry_after)
            return b"slow down"
        if fault == "unavailable":
            request.setResponseCode(503)
            request.setHeader("Retry-After", "0")
            return b"Service Unavailable"
        if fault in WORDPRESS_ENDS:
            return WORDPRESS_ENDS[fault]
        if fault == "down" or (fault == "500x2" and attempt <= 2):
            request.setResponseCode(500)
            return b"error"
        if fault == "403":
            request.setResponseCode(403)
            return b"<html><body><h1>Forbidden</h1></body></html>"
        if fault == "gone":
            request.setResponseCode(404)
            return b"<html><body><h1>Page not found</h1></body></html>"
        if fault == "busy":
            request.setHeader("Content-Type", "text/html; charset=UTF-8")
            return BUSY_PAGE
        if fault == "hang" and attempt == 1:
            return NOT_DONE_YET
        if fault == "reset" and attempt == 1:
            request.transport.abortConnection()
            return NOT_DONE_YET
        return None

    def respond(self, request: Request) -> bytes | int:
        path = request.path.decode()
        self.times[path].append(time.monotonic())
        early = self.redirect(request, path) or self.early_answer(request, path)
        if early is not None:
            self.hits[request.uri.decode()] += 1  # counted as the samples count their answers
            return early
        fault = self.fault(request, path)
        attempt = len(self.times[path])
        if self.ignore_from and path == SLICE_PATH:
            request.args[b"from"] = [str(PAGE).encode()]
        if path in self.copies:
            request.path = self.copies[path].encode()
        body = super().respond(request)
        for prefix, old, new in self.rewrite:
            if path.startswith(prefix) and isinstance(body, bytes):
                body = old.sub(new, body) if isinstance(old, re.Pattern) else body.replace(old, new)
        if fault in SLICE_LINKS and isinstance(body, bytes):
            body = _LINK_OFFSETS.sub(slice_link(fault, request.args[b"from"][0], request.args[b"to"][0]), body)
        if fault == "truncate" and attempt == 1:
            request.setHeader("Content-Length", str(len(body)))
            request.write(body[: len(body) // 2])
            request.transport.loseConnection()
            return NOT_DONE_YET
        if fault == "charset":
            request.setHeader("Content-Type", "text/html; charset=iso-8859-1")
        if fault == "huge":
            body += b"<!--" + b"x" * 200_000 + b"-->"
        return body
