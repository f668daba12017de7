"""Serve the bundled sample site (``samples/site``) the way KCNA Watch answers.

The pages speak of ``https://kcnawatch.org``; they are served with this
server's own address in its place, so a crawl of them never leaves the
machine. Like the site (``docs/site.md``), it answers 301 to a page URL
without its trailing slash, 404 to a page that is not there, "More Articles"
slices cut on the fly from each source's ordered list (Voice of Korea's, and
KCNA's, each under its own slice id), and the NK Pro gate to
a reader without the subscriber's cookie; when asked, 503 once to the pages
named ``flaky``. It answers the site's search by date
(``/?s=&source=K&start=DD-MM-YYYY&end=DD-MM-YYYY&sort=recent``) from the
samples' search index, a page of :data:`SEARCH_PAGE` teasers and then
``a.more-full-link`` when the window holds more; and it is the site under a
second host name too: links to ``kcnawatch.xyz`` point at ``localhost`` on
its port (:data:`ALIAS_HOST`; ``hosts`` counts the requests by the ``Host``
they named, so a test sees that none went there). Where the live site's
behaviour is not known (what a slice's ``to`` means, whether a slice ends
with a control), options give each reading, so the crawler can be tested
under all of them. Used by ``scrapy samples`` and the tests.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import cast
from urllib.parse import quote

from twisted.internet.address import IPv4Address
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

SOURCE_ID = "190163"  # the Voice of Korea (EN) source's id in slice URLs
SLICE_LISTS = "wp-admin/admin-ajax"  # <id>.html: every teaser block of the source of slice id <id>, newest first
GATES_FILE = "nkpro-gates.json"  # page path -> gate form ("paywall", "member-form", "offsite")
# The search's index: [{"date": ISO day its teaser shows, "source": id, "block": teaser HTML}], newest first.
SEARCH_INDEX = "search-index.json"
SEARCH_PAGE_FILE = "search/index.html"  # the search page, its results and its control left as marks
SEARCH_PAGE = 2  # teasers on a search page: a day with more shows a.more-full-link
ALIAS_HOST = "localhost"  # the second host name of the site: links to kcnawatch.xyz point here
SUBSCRIBER_COOKIE = "wordpress_logged_in_nkpro"
# Distinctive, so that a test can grep logs, corpus, state and feeds for a leak.
SUBSCRIBER_SECRET = "vok-sample-subscriber-SECRET-7f3a9c"
TO_READINGS = ("count", "end", "fixed")
END_STATUSES = (200, 404, 410)  # what a slice past the end answers: an empty 200, or "not found" (docs/site.md)
SLICE_CONTROLS = ("none", "href", "data")
PAGE = 12  # the slice size of the "fixed" reading, as the listing's

_SITE_LINK = re.compile(rb"(https?:)?(//|\\/\\/)kcnawatch\.org")  # also as JSON in inline scripts
_ALIAS_LINK = re.compile(rb"(https?:)?(//)(?:www\.)?kcnawatch\.xyz")  # the site's second name
RESULTS_MARK, MORE_MARK = "<!--results-->", "<!--more-->"
# A teaser block starts a line: the block itself, or the article.clearfix that holds it and its thumbnail.
_BLOCK_START = re.compile(r'^(?=<div class="article-desc">|<article class="clearfix">)', re.MULTILINE)
_HTML = b"text/html; charset=UTF-8"


class SampleSite(Resource):
    """A twisted.web resource over a folder laid out like the site's URLs.

        ``/article/163/`` is ``article/163/index.html``. A slice
        ``admin-ajax.php?action=get_cat_by_source&from=F&to=T&id=K`` is cut
        from ``wp-admin/admin-ajax/K.html`` (one teaser block per
        ``<div class="article-desc">`` at a line's start; ``190163``
        Voice of Korea's, ``990010`` KCNA's) according to
        ``to_reading``: ``"count"`` gives blocks [F, F+T), ``"end"`` [F, T),
        ``"fixed"`` [F, F+12) whatever T says; a slice past the end (or of
    another id) is an empty 200, or ``end_status`` (404, 410). ``slice_control`` ends each
        non-empty slice with nothing (``"none"``), a link to the next slice
        (``"href"``) or a script button with its data (``"data"``); with
        ``loop`` the last slice links back to the first one (from=12), as the
        site may. A file ``wp-admin/admin-ajax/<id>-<from>-<to>.html`` is served
        as it is instead (the benchmark's synthetic site writes its slices so). Pages named in ``nkpro-gates.json`` are gated unless the
        request carries the cookie ``SUBSCRIBER_COOKIE=SUBSCRIBER_SECRET``.
        ``hits`` counts the requests per path and query, for tests that check
        what a crawl asked for.
    """

    isLeaf = True

    def __init__(
        self,
        root: Path,
        flaky: Collection[str] = (),
        delay: float = 0.0,
        to_reading: str = "count",
        slice_control: str = "none",
        loop: bool = False,
        search_page: int = SEARCH_PAGE,
        end_status: int = 200,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # twisted.web's Resource is unannotated
        if to_reading not in TO_READINGS:
            raise ValueError(f"to_reading must be one of {TO_READINGS}, not {to_reading!r}")
        if slice_control not in SLICE_CONTROLS:
            raise ValueError(f"slice_control must be one of {SLICE_CONTROLS}, not {slice_control!r}")
        if end_status not in END_STATUSES:
            raise ValueError(f"end_status must be one of {END_STATUSES}, not {end_status!r}")
        self.root = Path(root)
        self.flaky = set(flaky)
        self.delay = delay  # seconds before each answer, as a distant server takes
        self.to_reading = to_reading
        self.slice_control = slice_control
        self.loop = loop
        self.end_status = end_status  # a slice past the end of the list, or of another source id
        self.hits: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()  # requests by the Host they named: a crawl asks only its own
        self.search_page = search_page
        index = self.root / SEARCH_INDEX
        self.search_index: list[dict[str, str]] = json.loads(index.read_text()) if index.is_file() else []
        gates = self.root / GATES_FILE
        self.gates: dict[str, str] = json.loads(gates.read_text()) if gates.is_file() else {}
        self.lists: dict[str, list[str]] = {  # each source's blocks, by its slice id
            listed.stem: [block for block in _BLOCK_START.split(listed.read_text(encoding="utf-8")) if block.strip()]
            for listed in sorted((self.root / SLICE_LISTS).glob("*.html"))
            if listed.stem.isdigit()  # not a slice written as a file (<id>-<from>-<to>.html)
        }

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
        self.hosts[(request.getHeader("host") or "").lower()] += 1
        if path in self.flaky:
            self.flaky.discard(path)
            request.setResponseCode(503)
            request.setHeader("Retry-After", "0")
            return b"Service Unavailable"
        if path == "/wp-admin/admin-ajax.php":
            return self._slice(request)
        if path == "/" and b"s" in request.args:
            return self._search(request)
        if path == "/robots.txt":
            return self._file(request, self.root / "robots.txt", b"text/plain; charset=utf-8")
        page = self.root / path.strip("/") / "index.html"
        if not path.endswith("/") and page.is_file():
            query = request.uri.decode().partition("?")[2]
            request.setResponseCode(301)  # twisted's redirect() says 302; the site says 301
            request.setHeader("Location", path + "/" + ("?" + query if query else ""))
            return b""
        gate = self.gates.get(path)
        if gate and not self.subscriber(request):
            return self._gate(request, gate, page)
        return self._file(request, page)

    @staticmethod
    def subscriber(request: Request) -> bool:
        """Only the exact subscriber cookie opens the gate (any other cookie is a stranger's)."""
        return bool(request.getCookie(SUBSCRIBER_COOKIE.encode()) == SUBSCRIBER_SECRET.encode())

    def _gate(self, request: Request, form: str, page: Path) -> bytes:
        """What a reader without a subscription gets, in the form the gates file names."""
        if form == "paywall":  # the page itself, the body cut short, the form inside the content
            return self._file(request, page.with_name("gated.html"))
        article = quote(self._origin(request) + request.path.decode(), safe="")
        if form == "member-form":
            request.redirect(f"{self._origin(request)}/free-member-form/?redirect_to={article}".encode())
        else:  # "offsite": to NK News, before any off-site rule of the crawler may see it
            request.redirect(
                f"https://www.nknews.org/free-member-form/?redirect_to={article}&source=kcnawatch".encode()
            )
        return b""

    def _slice(self, request: Request) -> bytes:
        args = {k.decode(): v[0].decode() for k, v in request.args.items()}
        if args.get("action") != "get_cat_by_source":
            request.setResponseCode(400)
            return b"0"
        request.setHeader("Content-Type", _HTML)
        try:
            start, to = int(args.get("from", "")), int(args.get("to", ""))
        except ValueError:
            return b""
        static = self.root / f"wp-admin/admin-ajax/{args.get('id')}-{start}-{to}.html"
        if static.is_file():  # a slice written as a file, as the benchmark's synthetic site does for nginx
            return self._file(request, static)
        source_id = args.get("id", "")
        blocks = self.lists.get(source_id, [])
        if start < 0 or start >= len(blocks):
            return self._past_the_end(request)
        stop = {"count": start + to, "end": to, "fixed": start + PAGE}[self.to_reading]
        chosen = blocks[start:stop]
        if not chosen:
            return b""  # a "to" that asks for nothing
        end = start + len(chosen)
        control = ""
        if self.loop and end >= len(blocks):
            control = self._control(source_id, "href", PAGE, loop=True)
        elif self.slice_control != "none" and end < len(blocks):
            control = self._control(source_id, self.slice_control, end, size=stop - start)
        return self._rewrite(request, ("\n" + "".join(chosen) + control).encode())

    def _past_the_end(self, request: Request) -> bytes:
        """A slice of nothing: an empty 200, or the ``end_status`` the server was given (404, 410)."""
        if self.end_status == 200:
            return b""
        request.setResponseCode(self.end_status)
        return b"<html><body><h1>Not Found</h1></body></html>"

    def _search(self, request: Request) -> bytes:
        """The site's search: the source's teasers whose date is in [start, end], newest first, a page of them.

        A window with more than a page shows the page, then the script-driven
        ``a.more-full-link`` (how it asks for the next page is not known).
        """
        args = {k.decode(): v[0].decode() for k, v in request.args.items()}
        try:
            start, end = (_iso_day(args.get(name, "")) for name in ("start", "end"))
        except ValueError:
            start, end = "", "9999-12-31"  # no window: every date, as the site lists them
        source = args.get("source", "")
        found = [
            entry["block"]
            for entry in self.search_index
            if start <= entry["date"] <= end and (not source or entry["source"] == source)
        ]
        template = (self.root / SEARCH_PAGE_FILE).read_text(encoding="utf-8")
        more = (
            '<a class="more-full-link" href="javascript:void(0)">More Articles</a>'
            if len(found) > self.search_page
            else ""
        )
        page = template.replace(RESULTS_MARK, "".join(found[: self.search_page])).replace(MORE_MARK, more)
        request.setHeader("Content-Type", _HTML)
        return self._rewrite(request, page.encode())

    def _control(self, source_id: str, form: str, start: int, size: int = PAGE, loop: bool = False) -> str:
        """A "More Articles" control for the slice from ``start``, its ``to`` in this server's reading."""
        to = start + size if self.to_reading == "end" else size
        data = f'data-from="{start}" data-to="{to}" data-id="{source_id}"'
        if form == "data":
            return f'<div class="load-more-wrap"><button type="button" class="more-articles" {data}>More Articles</button></div>\n'
        # The loop back spells the same slice another way, as a link the site prints may.
        order = "die=true&amp;action=get_cat_by_source" if loop else "action=get_cat_by_source&amp;die=true"
        href = f"https://kcnawatch.org/wp-admin/admin-ajax.php?{order}&amp;from={start}&amp;to={to}&amp;sort=&amp;id={source_id}"
        return f'<div class="load-more-wrap"><a class="more-articles" href="{href}">More Articles</a></div>\n'

    def _file(self, request: Request, file: Path, content_type: bytes = _HTML) -> bytes:
        if not file.is_file():
            request.setResponseCode(404)
            request.setHeader("Content-Type", _HTML)
            return b"<html><body><h1>Page not found</h1></body></html>"
        request.setHeader("Content-Type", content_type)
        return self._rewrite(request, file.read_bytes())

    @staticmethod
    def _origin(request: Request) -> str:
        host = request.getHost()
        return f"{'https' if request.isSecure() else 'http'}://{host.host}:{host.port}"

    def _rewrite(self, request: Request, body: bytes) -> bytes:
        """The site's links, in every spelling, pointed at this server."""
        origin = self._origin(request).encode()
        scheme = origin.split(b"//", 1)[0]
        alias = f"{ALIAS_HOST}:{request.getHost().port}".encode()
        body = _ALIAS_LINK.sub(lambda m: (scheme if m[1] else b"") + m[2] + alias, body)
        return site_links_to(body, origin)


def site_links_to(body: bytes, origin: bytes) -> bytes:
    """The links to ``kcnawatch.org`` in ``body``, in every spelling, on ``origin`` (``scheme://host[:port]``).

    Absolute, protocol-relative (which keeps no scheme) or escaped in an
    inline script's JSON: what a server of the pages at ``origin`` would
    print, or an archive of them would have captured.
    """
    scheme, here = origin.split(b"//", 1)
    return _SITE_LINK.sub(lambda m: (scheme if m[1] else b"") + m[2] + here, body)


def _iso_day(text: str) -> str:
    """The search's ``DD-MM-YYYY`` as an ISO day; ``ValueError`` if it is none."""
    day, month, year = (int(part) for part in text.split("-"))
    return date(year, month, day).isoformat()


def _finish(request: Request, body: bytes) -> None:
    if not request.finished and not request._disconnected:
        request.write(body)
        request.finish()


def main() -> None:
    """``python -m vok_crawler.tools.sample_site [--root samples/site] [--port 8163] [--delay 0]
    [--to-reading count|end|fixed] [--slice-control none|href|data] [--loop] [--end-status 200|404|410]``."""
    from twisted.internet import reactor

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--root", type=Path, default=Path("samples/site"))
    parser.add_argument("--port", type=int, default=8163)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--to-reading", choices=TO_READINGS, default="count", help="what a slice's 'to' means")
    parser.add_argument("--slice-control", choices=SLICE_CONTROLS, default="none", help="what ends a slice")
    parser.add_argument("--loop", action="store_true", help="the last slice links back to the first")
    parser.add_argument("--end-status", type=int, choices=END_STATUSES, default=200, help="a slice past the end")
    args = parser.parse_args()
    site = SampleSite(
        args.root,
        delay=args.delay,
        to_reading=args.to_reading,
        slice_control=args.slice_control,
        loop=args.loop,
        end_status=args.end_status,
    )
    port = reactor.listenTCP(args.port, Site(site), interface="127.0.0.1")  # type: ignore[arg-type]  # Site is unannotated
    print(f"Serving {args.root} on http://127.0.0.1:{cast(IPv4Address, port.getHost()).port}/", flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
