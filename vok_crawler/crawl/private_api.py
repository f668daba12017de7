"""Every use of a private API of Scrapy or of the standard library, each behind one function.

Nothing public does these things; each function names what it relies on,
and ``tests/test_private_api.py`` fails when the library changes it (a
name, a signature, a message), so that an upgrade says where to look
rather than a crawl silently losing the behaviour.
"""

from __future__ import annotations

import io
from http.cookiejar import MozillaCookieJar

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import call_later

# Scrapy says these with a plain IgnoreRequest; its message is all that tells them apart
# (scrapy.downloadermiddlewares.httpcompression and .redirect).
_IGNORED_BECAUSE = (("exceeded DOWNLOAD_MAXSIZE", "too_large"), ("max redirections", "redirect_loop"))


def hold_back_slot(crawler: Crawler, request: Request, seconds: float, throttle_max: float | None) -> None:
    """No request goes to ``request``'s downloader slot for ``seconds``.

    Relies on the downloader's slots (``Downloader.slots``, ``get_slot_key``,
    ``DOWNLOAD_SLOT``), a slot's ``delay`` and ``latercall``, and
    ``Downloader._latercall``: the downloader processes a slot's queue only
    once its ``latercall`` has fired. ``throttle_max``: with AutoThrottle on,
    the slot's delay rises to the wait (at most this), and AutoThrottle eases
    off from there.
    """
    assert crawler.engine is not None
    downloader = crawler.engine.downloader
    slot = downloader.slots.get(request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request))
    if slot is None or seconds <= 0:
        return
    if throttle_max is not None:
        slot.delay = min(max(slot.delay, seconds), throttle_max)
    if slot.latercall:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)


def load_netscape_cookies(jar: MozillaCookieJar, text: str, filename: str) -> None:
    """Load cookies.txt ``text`` into ``jar`` without writing it to a file.

    ``MozillaCookieJar`` reads only from a file name; its reader of an open
    file, ``_really_load``, is the same code, fed here the text, so that the
    secrets never go to a temporary file.
    """
    jar._really_load(io.StringIO(text), filename, ignore_discard=True, ignore_expires=True)  # type: ignore[attr-defined]


def ignored_because(error: IgnoreRequest) -> str | None:
    """The kind of a plain ``IgnoreRequest`` Scrapy raised, told by its message: ``too_large``, ``redirect_loop``."""
    if type(error) is not IgnoreRequest:
        return None
    return next((kind for words, kind in _IGNORED_BECAUSE if words in str(error)), None)
