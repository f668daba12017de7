"""The browser road's download handler: a browser that goes away never hangs the run.

Chromium can go away under a run: killed, crashed, taken by the kernel when
memory runs out. scrapy-playwright starts the profile again for the next
page, but a Playwright call that was waiting on the dead browser may never
return (Playwright 1.65 leaves a page being made in a persistent context
waiting for ever): the page in flight would never end, and the run with it,
Ctrl-C included, since Scrapy waits for the pages in flight before it closes.

- :class:`ProfileBrowser`, scrapy-playwright's browser provider
  (``PLAYWRIGHT_BROWSER_PROVIDER``), knows when the profile's browser goes
  away: its context closes under the run, or it does not start again.
- :class:`ProfileHandler`, scrapy-playwright's download handler, fails the
  page in flight at that moment with :class:`~vok_crawler.crawl.failures.BrowserLost`,
  which the retry path asks again for, through a browser started anew; a
  browser that goes away again before it has brought a page (or does not
  start) ends the run, finish reason ``browser_lost``: every article not read
  stays pending for the next run. Whatever way a request leaves the
  browser, answered or failed, it leaves without a ``Cookie`` header (a
  retry, a redirect or JOBDIR's queue on disk would keep it): the browser
  road copies the browser's headers onto the request without it, but
  scrapy-playwright's own route copies them with it, for a navigation to the
  request's URL that reaches it (a frame's).

Imported only on the browser road (it needs scrapy-playwright, the extra
``.[browser]``): :class:`vok_crawler.crawl.browser.BrowserRoad` names it.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from playwright.async_api import Error as PlaywrightError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.browser import first_line
from vok_crawler.crawl.failures import BrowserLost
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.finish_reasons import BROWSER_LOST

logger = logging.getLogger(__name__)

# The browser gone this many times with no page brought between: the run stops (once, it goes on).
LOST_IN_A_ROW = 2


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _settle_soon(future: asyncio.Future[None]) -> None:
    """Settled at once on its own loop (before the page's own errors wake anything), else from that loop."""
    loop = future.get_loop()
    try:
        here = asyncio.get_running_loop()
    except RuntimeError:
        here = None
    if here is loop:
        _settle(future)
    else:
        loop.call_soon_threadsafe(_settle, future)


class ProfileBrowser(PlaywrightBrowserProvider):  # type: ignore[misc]  # scrapy-playwright ships no type hints
    """scrapy-playwright's browser provider, which tells when the profile's browser goes away.

    ``lost`` counts the times in the run, ``since_page`` those since the
    browser last brought a page; :meth:`gone` gives each page in flight a
    future that the next loss settles (from Playwright's loop, which may be
    another thread's: scrapy-playwright's threaded loop on Windows).
    """

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.lost = 0
        self.since_page = 0
        self.closing = False  # the crawl closes the browser: that is no loss
        self.waiting: set[asyncio.Future[None]] = set()

    def gone(self) -> asyncio.Future[None]:
        """A future settled when the browser in use, or the next one started, goes away."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.add(future)
        future.add_done_callback(self.waiting.discard)
        return future

    async def launch_persistent_context(self, context_kwargs: dict[str, Any]) -> Any:
        try:
            context = await super().launch_persistent_context(context_kwargs)
        except PlaywrightError as error:
            self._went_away("did not start")
            raise BrowserLost(f"the browser did not start: {first_line(error)}") from error
        context.on("close", self._closed)
        return context

    def brought_a_page(self) -> None:
        self.since_page = 0

    def _closed(self) -> None:
        if not self.closing:
            self._went_away("went away")

    def _went_away(self, what: str) -> None:
        self.lost += 1
        self.since_page += 1
        logger.warning("The browser %s (%d time(s) in a row before a page came)", what, self.since_page)
        for future in list(self.waiting):
            _settle_soon(future)


class ProfileHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]  # scrapy-playwright ships no type hints
    """scrapy-playwright's download handler, whose page in flight ends when the browser goes away."""

    browser_provider: ProfileBrowser  # made by scrapy-playwright from PLAYWRIGHT_BROWSER_PROVIDER at launch

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        self.stopping = False

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)  # type: ignore[no-any-return]  # robots.txt, plainly
        try:
            return await self._through_the_browser(request)
        finally:
            request.headers.pop(b"Cookie", None)  # the browser's, should scrapy-playwright have copied them onto it

    async def _through_the_browser(self, request: Request) -> Response:
        browser = self.browser_provider
        gone = browser.gone()
        download = asyncio.ensure_future(super().download_request(request))
        done, _ = await asyncio.wait((download, gone), return_when=asyncio.FIRST_COMPLETED)
        went_away = gone in done
        gone.cancel()  # no longer waited for
        if not download.done():  # the browser went away under the page: what it waited for may never come
            download.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await download
        elif download.exception() is None:
            browser.brought_a_page()
            self.crawler.stats.set_value(stats.BROWSER_LOST, browser.lost)
            return download.result()  # type: ignore[no-any-return]
        error = None if download.cancelled() else download.exception()
        if not went_away and not isinstance(error, BrowserLost):
            assert error is not None
            raise error  # the page failed, the browser is there: a failure as on the plain road
        self._lost(browser)
        if isinstance(error, BrowserLost):  # it did not start again
            raise error
        raise BrowserLost("the browser went away while it fetched the page") from error

    def _lost(self, browser: ProfileBrowser) -> None:
        """Counted; the second time in a row with no page between, the run stops."""
        self.crawler.stats.set_value(stats.BROWSER_LOST, browser.lost)
        if browser.since_page < LOST_IN_A_ROW or self.stopping:
            return
        self.stopping = True
        logger.error("The browser went away again before it brought a page: stopping. %s", advice(BROWSER_LOST))
        stop_crawl(self.crawler, BROWSER_LOST)

    async def close(self) -> None:
        browser = getattr(self, "browser_provider", None)  # none if the engine never started
        if browser is not None:
            browser.closing = True
        await super().close()
