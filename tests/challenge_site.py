"""The sample site behind a bot check, or behind a sign-up wall whose login runs out.

:class:`GuardedSite` is :class:`~tests.fault_site.FaultySite` with two guards
that KCNA Watch shows in 2026 (``docs/site.md``, "2026 evidence" 7):

- ``challenge``: every page (robots.txt aside) answers a challenge (status
  ``challenge`` and a page whose script sets a cookie and reloads) until the
  request carries that cookie: only a client that runs the script gets in;
- ``wall_opens``: every article (or those of ``walled``: free and gated
  mixed, as on every page of the real site) is behind the sign-up wall (a
  redirect to ``free-member-form``) for a reader without the subscriber's
  cookie, and the cookie opens only that many of them, then stops working
  (the samples' own NK Pro gates close too), as a session that runs out.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import quote

from twisted.web.server import Request

from tests.fault_site import FaultySite
from vok_crawler.tools.sample_site import SampleSite

PASS_COOKIE = b"vok_check"
PASS_VALUE = b"passed-3b9e1d"
CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>One moment, please</title>"
    b'<script>document.cookie = "vok_check=passed-3b9e1d; path=/"; location.reload();</script></head>'
    b"<body><noscript>This site needs JavaScript: please enable JavaScript and reload.</noscript></body></html>"
)


class GuardedSite(FaultySite):
    """``challenges`` counts the challenge pages sent, ``opened`` the walled pages the cookie opened,
    ``walls`` the article pages answered with the wall."""

    def __init__(
        self,
        root: Path,
        challenge: int | None = None,
        wall_opens: int | None = None,
        walled: Collection[str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(root, **options)
        self.challenge = challenge
        self.wall_opens = wall_opens
        self.walled = None if walled is None else set(walled)
        self.challenges = 0
        self.opened = 0
        self.walls = 0

    def subscriber(self, request: Request) -> bool:  # type: ignore[override]  # a staticmethod of SampleSite
        """The subscriber's cookie, while the session lasts: once it has opened ``wall_opens`` pages, no gate opens."""
        return SampleSite.subscriber(request) and (self.wall_opens is None or self.opened < self.wall_opens)

    def behind_wall(self, path: str) -> bool:
        return (
            self.wall_opens is not None
            and path.startswith("/newstream/")
            and path.endswith("/")
            and (self.walled is None or path in self.walled)
        )

    def respond(self, request: Request) -> bytes | int:
        path = request.path.decode()
        if self.challenge and path != "/robots.txt" and request.getCookie(PASS_COOKIE) != PASS_VALUE:
            self.challenges += 1
            self.hits[request.uri.decode()] += 1
            request.setResponseCode(self.challenge)
            request.setHeader("Content-Type", "text/html; charset=UTF-8")
            return CHALLENGE_PAGE
        if not self.behind_wall(path):
            return super().respond(request)
        if self.subscriber(request):
            page = super().respond(request)  # before the count: the page's own gate sees the session still open
            self.opened += 1
            return page
        self.walls += 1
        self.hits[request.uri.decode()] += 1
        article = quote(self._origin(request) + path, safe="")
        request.redirect(f"{self._origin(request)}/free-member-form/?redirect_to={article}".encode())
        return b""
