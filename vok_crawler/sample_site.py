"""Serve the bundled sample site (``samples/site``) the way KCNA Watch answers.

The pages speak of ``https://kcnawatch.org``; they are served with this
server's own address in its place, so a crawl of them never leaves the
machine. Like the site, it answers 301 to a page URL without its trailing
slash, 404 to a page that is not there, an empty body to a "More Articles"
slice past the end, and (when asked) 503 once to the pages named ``flaky``.
Used by ``scrapy samples`` and the tests.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

_SITE_LINK = re.compile(rb"(https?:)?//kcnawatch\.org")
SLICES = "wp-admin/admin-ajax"


class SampleSite(Resource):
    """A twisted.web resource over a folder laid out like the site's URLs.

    ``/article/163/`` is ``article/163/index.html``; a slice
    ``admin-ajax.php?action=get_cat_by_source&id=163&from=12&to=24`` is
    ``wp-admin/admin-ajax/163-12-24.html``. ``hits`` counts the requests
    per path and query, for tests that check what a crawl asked for.
    """

    isLeaf = True

    def __init__(self, root: Path, flaky: Collection[str] = (), delay: float = 0.0) -> None:
        super().__init__()
        self.root = root
        self.flaky = set(flaky)
        self.delay = delay  # seconds before each answer, as a distant server takes
        self.hits: Counter[str] = Counter()

    def render_GET(self, request: Request) -> bytes | int:
        body = self.respond(request)
        if not self.delay or body == NOT_DONE_YET:
            return body
        from twisted.internet import (
            reactor,  # the running one: importing it early would install one
        )

        reactor.callLater(self.delay, _finish, request, body)
        return NOT_DONE_YET

    def respond(self, request: Request) -> bytes | int:
        """The answer's body (or ``NOT_DONE_YET``), status and headers set on ``request``."""
        path = request.path.decode()
        self.hits[request.uri.decode()] += 1
        if path in self.flaky:
            self.flaky.discard(path)
            request.setResponseCode(503)
            request.setHeader("Retry-After", "0")
            return b"Service Unavailable"
        if path == "/wp-admin/admin-ajax.php":
            return self._slice(request)
        if path == "/robots.txt":
            return self._file(request, self.root / "robots.txt", b"text/plain; charset=utf-8")
        page = self.root / path.strip("/") / "index.html"
        if not path.endswith("/") and page.is_file():
            query = request.uri.decode().partition("?")[2]
            request.redirect((path + "/" + ("?" + query if query else "")).encode())
            return b""
        return self._file(request, page)

    def _slice(self, request: Request) -> bytes:
        args = {k.decode(): v[0].decode() for k, v in request.args.items()}
        if args.get("action") != "get_cat_by_source":
            request.setResponseCode(400)
            return b"0"
        fragment = self.root / SLICES / f"{args.get('id')}-{args.get('from')}-{args.get('to')}.html"
        if not fragment.is_file():
            request.setHeader("Content-Type", "text/html; charset=UTF-8")
            return b""
        return self._file(request, fragment)

    def _file(self, request: Request, file: Path, content_type: bytes = b"text/html; charset=UTF-8") -> bytes:
        if not file.is_file():
            request.setResponseCode(404)
            request.setHeader("Content-Type", "text/html; charset=UTF-8")
            return b"<html><body><h1>Page not found</h1></body></html>"
        host = request.getHost()
        here = f"{host.host}:{host.port}".encode()
        scheme = b"https:" if request.isSecure() else b"http:"
        body = _SITE_LINK.sub(lambda m: (scheme if m[1] else b"") + b"//" + here, file.read_bytes())
        request.setHeader("Content-Type", content_type)
        return body


def _finish(request: Request, body: bytes) -> None:
    if not request.finished and not request._disconnected:
        request.write(body)
        request.finish()


def main() -> None:
    """``python -m vok_crawler.sample_site [--root samples/site] [--port 8163] [--delay 0]``."""
    from twisted.internet import reactor

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--root", type=Path, default=Path("samples/site"))
    parser.add_argument("--port", type=int, default=8163)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    port = reactor.listenTCP(args.port, Site(SampleSite(args.root, delay=args.delay)), interface="127.0.0.1")
    print(f"Serving {args.root} on http://127.0.0.1:{port.getHost().port}/", flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
