"""The sample site with faults injected, for the tests of a daily run's resilience.

Each fault is tied to one path and fires as a real server would send it:
status codes with ``Retry-After``, a connection that hangs or is reset, a
body cut short, a lying charset header, a page over the size limit, a
redirect off the site (``/go/elsewhere/``). Pages can be rewritten, e.g. to
add links (:data:`EXTRA_TEASERS`) or to change the markup as a redesign would.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from twisted.web.server import NOT_DONE_YET, Request

from vok_crawler.sample_site import SampleSite

EXTRA_TEASERS = b"""<div class="article-desc"><h4><a href="javascript:void(0)">Share</a></h4></div>
<div class="article-desc"><h4><a href="mailto:editor@kcnawatch.org">Write to us</a></h4></div>
<div class="article-desc"><h4><a href="/go/elsewhere/">Elsewhere</a></h4></div>
"""
WRAPPER = b'<div id="latest_article_wrapper">\n'
WITH_EXTRA_TEASERS = ("/article/163/", WRAPPER, WRAPPER + EXTRA_TEASERS)


class FaultySite(SampleSite):
    """``faults`` maps a path to a fault name; ``times`` keeps when each path was asked for.

    Once-only faults (``429``, ``503``, ``500x2``, ``hang``, ``reset``,
    ``truncate``) answer the first request(s) wrongly and the next ones
    right; ``charset``, ``huge`` and ``down`` stay for good.
    """

    def __init__(
        self,
        root: Path,
        faults: dict[str, str] | None = None,
        delay: float = 0.0,
        rewrite: list[tuple[str, bytes, bytes]] = (),
        copies: dict[str, str] | None = None,
    ) -> None:
        """``rewrite``: (path prefix, old, new) replaced in the pages under that prefix;
        ``copies``: a new path served with the page of an existing one."""
        super().__init__(root, delay=delay)
        self.faults = dict(faults or {})
        self.rewrite = list(rewrite)
        self.copies = dict(copies or {})
        self.times: dict[str, list[float]] = defaultdict(list)

    def respond(self, request: Request) -> bytes | int:
        path = request.path.decode()
        self.times[path].append(time.monotonic())
        if path == "/go/elsewhere/":
            host = request.getHost()
            request.redirect(f"http://localhost:{host.port}/newstream/1-1/elsewhere/".encode())
            return b""
        fault = self.faults.get(path)
        attempt = len(self.times[path])
        if fault in ("429", "503") and attempt == 1:
            request.setResponseCode(int(fault))
            request.setHeader("Retry-After", "1")
            return b"slow down"
        if fault == "down" or (fault == "500x2" and attempt <= 2):
            request.setResponseCode(500)
            return b"error"
        if fault == "hang" and attempt == 1:
            return NOT_DONE_YET
        if fault == "reset" and attempt == 1:
            request.transport.abortConnection()
            return NOT_DONE_YET
        if path in self.copies:
            request.path = self.copies[path].encode()
        body = super().respond(request)
        for prefix, old, new in self.rewrite:
            if path.startswith(prefix):
                body = body.replace(old, new)
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
