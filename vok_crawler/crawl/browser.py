"""The browser road: the site's pages fetched through Chromium, with the user's own logged-in profile.

KCNA Watch runs a bot check that only a browser passes, and shows parts of
the site to logged-in readers only (``docs/site.md``, "2026 evidence" 7).
With ``-s VOK_BROWSER_PROFILE=DIR`` the vok crawl fetches the site's pages
through Chromium (scrapy-playwright, the optional extra ``.[browser]``)
with the persistent profile ``DIR``, a user-data directory in which the user
logged in (``scrapy login DIR``). Everything else is the plain road's: one
page at a time, the same delays, robots.txt (fetched plainly: a rule for
crawlers, not a page), retries, gate detection, archive, memory and stats.

No stealth: the browser says it is this crawler (the project's User-Agent),
hides no automation flag, fakes nothing and solves no captcha. It is the
user's own session, as slow and polite as the plain road.

- :class:`BrowserRoad`, a Scrapy add-on, turns the road on for the vok
  crawl only, after checking (before any request) that the profile exists
  and the browser starts with it: else one ``Error:`` line and exit 2. Its
  download handler serves only the start URL's scheme, so the persistent
  profile is launched once (a second launch of one profile fails).
- :class:`BrowserRequests`, the downloader middleware it adds, sends the
  site's pages through the browser, keeps the browser on the site (a
  script's navigation off it is answered empty and judged by its target as
  the plain road judges a redirect; other requests off the site are not made), puts the
  cookies of ``VOK_COOKIES_FILE`` into the browser for the crawled host only
  (into each browser started, should one go away mid-run), and gives each
  page the status of the document the browser rendered. The browser follows
  no redirect of a page by itself: the page's document is fetched for it
  without following one, and a redirect goes to the crawl as the server's
  3xx, judged by the plain road's rules (the gate by its target, the site's
  other names on the crawl's own host, no way off the site, no loop).
- :mod:`vok_crawler.crawl.browser_handler`, its download handler: a browser that
  goes away mid-run fails the page in flight (asked again, through a browser
  started anew) instead of hanging the run; gone twice in a row, it ends the
  run (``browser_lost``).

A profile's cookies are secrets: the browser's headers are copied onto the
request without its ``Cookie`` header, which is taken off each request as
it leaves the browser too, answered or failed; the archive leaves it out
(as any cookie); what the archive records is the rendered page, marked so,
with the server's address the document came from.
"""

from __future__ import annotations

import asyncio
import glob
import importlib.util
import ipaddress
import logging
import os
import shutil
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from http.cookiejar import Cookie, MozillaCookieJar
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response, TextResponse
from scrapy.settings import Settings
from scrapy.utils.httpobj import urlparse_cached

from vok_crawler import stats
from vok_crawler.crawl.config import seconds_setting
from vok_crawler.crawl.context import CrawlContext
from vok_crawler.crawl.cookies import SubscriberCookiesMiddleware, sent_to_host
from vok_crawler.crawl.request_urls import is_robots_txt
from vok_crawler.crawl.scope import crawl_context, require_corpus_crawl
from vok_crawler.crawl.warc_records import RENDERED_BY_BROWSER as RENDERED
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.pages.challenge import challenge
from vok_crawler.site.parsing import html_selector
from vok_crawler.store.secrets import is_secret_header

logger = logging.getLogger(__name__)

HANDLER = "vok_crawler.crawl.browser_handler.ProfileHandler"  # scrapy-playwright's, which a browser gone cannot hang
PROVIDER = "vok_crawler.crawl.browser_handler.ProfileBrowser"  # scrapy-playwright's, which tells when the browser goes
CONTEXT = "vok_profile"  # the one browser context: the persistent profile
DOCUMENT = "vok_browser_document"  # request.meta: the last document the browser loaded for the request
RECEIVED = "vok_browser_received"  # request.meta: that document's status and body, as the server sent them
REDIRECT = "vok_browser_redirect"  # request.meta: the redirect the server answered for that document, not followed
ADDRESS = "vok_browser_address"  # request.meta: the server's IP address the last document came from, for the archive
# Quiet on a closed network and on a server: no updates, sync or first-run pages. Not stealth.
CHROMIUM_ARGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")
SETTLE_POLL_MS = 200  # how often a page still showing a challenge is looked at again
# What request.meta holds for scrapy-playwright to make the page: none of it data, none of it kept.
PAGE_META = ("playwright_page_init_callback", "playwright_page_methods", "playwright_context_kwargs")
EMPTY_PAGE = "<html><head></head><body></body></html>"
INSTALL_HINT = "pip install -e '.[browser]' (scrapy-playwright), and a Chromium: apt-get install chromium"


def first_line(error: BaseException) -> str:
    """What went wrong, in the error's first line: Playwright's next lines (its call log) show the headers sent."""
    return (str(error).strip().splitlines() or ["no message"])[0]


def chromium_args() -> list[str]:
    """Chromium's arguments: quiet, and without the sandbox where it cannot run (as root)."""
    return [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]


def find_browser(setting: str) -> str:
    """The browser to drive: ``VOK_BROWSER_EXECUTABLE``, else Playwright's own Chromium, else ``chromium`` on PATH."""
    if setting:
        found = shutil.which(str(Path(setting).expanduser()))
        if found is None:
            raise BadConfiguration(f"VOK_BROWSER_EXECUTABLE {setting} is not a program that can be run")
        return found
    browsers = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    own = sorted(glob.glob(str(browsers / "chromium-*" / "chrome-linux*" / "chrome")))
    found = own[-1] if own else shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise BadConfiguration(
            f"no browser found for VOK_BROWSER_PROFILE: {INSTALL_HINT}, or name one with -s VOK_BROWSER_EXECUTABLE=PATH"
        )
    return found


def check_browser(executable: str, profile: Path) -> None:
    """The browser starts with the profile (headless, on a blank page), or :class:`BadConfiguration`.

    Checked before any request: a profile in use by a running browser, or a
    browser that does not run here, stops the run with one line.
    """
    command = [executable, "--headless", f"--user-data-dir={profile}", *chromium_args(), "--dump-dom", "about:blank"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BadConfiguration(f"the browser {executable} does not start: {error}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BadConfiguration(f"the browser {executable} does not start with the profile {profile}: {last}")


def profile_dir(setting: str) -> Path:
    path = Path(setting).expanduser()
    if not path.is_dir():
        raise BadConfiguration(
            f"VOK_BROWSER_PROFILE {setting} is not a directory: make one by logging in with `scrapy login {setting}`"
        )
    return path.resolve()


def context_options(profile: Path, executable: str, user_agent: str) -> dict[str, Any]:
    """The persistent context's options: the executable goes here, not in the launch options.

    The browser says who it is with the project's User-Agent, as the plain road does.
    """
    return {
        "user_data_dir": str(profile),
        "executable_path": executable,
        "headless": True,
        "args": chromium_args(),
        "user_agent": user_agent,
    }


class BrowserRoad:
    """Add-on: the browser road for the vok crawl, when ``VOK_BROWSER_PROFILE`` names a profile."""

    def __init__(self, context: CrawlContext) -> None:
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRoad:
        if not crawler.settings.get("VOK_BROWSER_PROFILE"):
            raise NotConfigured  # the plain road; silently, as the other components stand aside
        require_corpus_crawl(crawler)
        return cls(crawl_context(crawler))

    def update_settings(self, settings: Settings) -> None:
        if importlib.util.find_spec("scrapy_playwright") is None:
            raise BadConfiguration(f"VOK_BROWSER_PROFILE needs the browser extra: {INSTALL_HINT}")
        profile = profile_dir(settings.get("VOK_BROWSER_PROFILE"))
        executable = find_browser(settings.get("VOK_BROWSER_EXECUTABLE") or "")
        check_browser(executable, profile)
        scheme = urlparse_cached(Request(self.context.start_url)).scheme
        # One scheme's handler only: each handler launches the context, and a profile launches once.
        settings["DOWNLOAD_HANDLERS"].set(scheme, HANDLER, priority="addon")
        # Next to the archive (950), before it in answers: the archive records what the crawl reads.
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", BrowserRequests, 955)
        settings.add_to_list("RETRY_EXCEPTIONS", "playwright.async_api.Error")  # a navigation that failed
        settings.add_to_list(
            "RETRY_EXCEPTIONS", "vok_crawler.crawl.failures.BrowserLost"
        )  # asked again of a new browser
        for name, value in {
            "PLAYWRIGHT_CONTEXTS": {CONTEXT: context_options(profile, executable, settings.get("USER_AGENT"))},
            "PLAYWRIGHT_BROWSER_PROVIDER": PROVIDER,
            "PLAYWRIGHT_MAX_CONTEXTS": 1,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,  # one page at a time, as the plain road
            "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,  # the browser's own headers: its cookies as it sends them
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.getfloat("DOWNLOAD_TIMEOUT") * 1000,
        }.items():
            settings.set(name, value, priority="addon")
        logger.info("Browser road: the site's pages through %s with the profile %s", executable, profile)


def page_method(method: Any) -> Any:
    """scrapy-playwright's ``PageMethod`` around ``method``: run on the page once it has loaded."""
    from scrapy_playwright.page import PageMethod

    return PageMethod(method)


def browser_cookies(jar: MozillaCookieJar, url: str) -> list[dict[str, Any]]:
    """The cookies of the file that go to ``url``'s host, by the plain road's rule, as the browser takes them."""
    return [_as_browser_cookie(cookie) for cookie in sent_to_host(jar, url)]


def _as_browser_cookie(cookie: Cookie) -> dict[str, Any]:
    return {
        "name": cookie.name,
        "value": cookie.value or "",
        "domain": cookie.domain,
        "path": cookie.path,
        "expires": float(cookie.expires) if cookie.expires else -1,
        "httpOnly": cookie.has_nonstandard_attr("HTTPOnly"),
        "secure": cookie.secure,
    }


@dataclass(frozen=True)
class Redirect:
    """A redirect the site answered for a page's document: the crawl's to judge, never the browser's to follow."""

    status: int
    headers: list[tuple[str, str]]  # as the server sent them, but its cookies: those went into the browser
    body: bytes

    def response(self, rendered: Response) -> Response:
        """The browser's answer turned into the server's redirect, for the plain road's redirect middlewares."""
        headers = Headers()
        for name, value in self.headers:
            headers.appendlist(name, value)
        return rendered.replace(status=self.status, headers=headers, body=self.body)


class BrowserRequests:
    """The site's pages through the browser's one persistent context; the browser kept on the site."""

    def __init__(self, crawler: Crawler, context: CrawlContext) -> None:
        self.crawler = crawler
        self.context = context
        self.cookies: list[dict[str, Any]] = []
        self.given_cookies: object = None  # the browser context that has them: a new browser has not
        self.context_options = crawler.settings.getdict("PLAYWRIGHT_CONTEXTS")[CONTEXT]
        self.challenge_wait = seconds_setting(crawler.settings, "VOK_BROWSER_CHALLENGE_WAIT")
        self.fetch_timeout = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT")  # ms, the page's own

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRequests:
        require_corpus_crawl(crawler)
        middleware = cls(crawler, crawl_context(crawler))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self) -> None:
        sender = self.crawler.get_downloader_middleware(SubscriberCookiesMiddleware)
        if sender is not None:
            self.cookies = browser_cookies(sender.jar, self.context.start_url)

    def process_request(self, request: Request) -> None:
        if is_robots_txt(request) or not self.context.on_site(request.url):
            return
        request.meta.update(
            playwright=True,
            playwright_context=CONTEXT,
            playwright_context_kwargs=self.context_options,  # never a context without the profile
            playwright_page_init_callback=self.prepare_page,
            playwright_page_methods=[page_method(partial(self.settle, request))],
        )

    def process_exception(self, request: Request, exception: Exception | None = None) -> None:
        """What this request's page needed goes with it: a retry (or JOBDIR's queue) gets a request of data only."""
        for key in (DOCUMENT, RECEIVED, REDIRECT, ADDRESS, *PAGE_META):
            request.meta.pop(key, None)

    async def prepare_page(self, page: Any, request: Request) -> None:
        """Before the page is asked for: the browser kept on the site, the file's cookies in it, the status kept."""

        async def on_the_site(route: Any, asked: Any) -> None:
            if not self.context.on_site(asked.url):
                if asked.is_navigation_request():  # a script's way off the site: judged by its target, never fetched
                    await route.fulfill(status=200, content_type="text/html", body=EMPTY_PAGE)
                else:
                    await route.abort()
            elif asked.is_navigation_request() and asked.frame == page.main_frame:
                await self.fetch_document(route, asked, request)
            else:
                await route.fallback()

        def document(answer: Any) -> None:
            if answer.frame == page.main_frame and answer.request.is_navigation_request():
                request.meta[DOCUMENT] = answer  # the last document the page loaded (after any challenge)

        await page.route("**", on_the_site)
        page.on("response", document)
        if self.cookies and page.context is not self.given_cookies:
            await page.context.add_cookies(self.cookies)
            self.given_cookies = page.context  # there for the rest of the run, unless the browser goes away

    async def fetch_document(self, route: Any, asked: Any, request: Request) -> None:
        """The page's document, fetched for the browser without following a redirect.

        Chromium follows a redirect by itself, out of the route's sight (a
        route sees the first URL of a chain only): off the site, to another
        of its names without the session's cookies, round a loop. So the
        document is fetched here, with the browser's own headers and cookies;
        a redirect is kept for :meth:`process_response`, which gives it to
        the crawl's redirect rules, and the browser gets an empty page; any
        other answer goes to the browser as the server sent it (the cookies
        it sets go into the browser's context, as the browser would keep them).
        """
        from playwright.async_api import Error as PlaywrightError

        request.headers.clear()  # what the browser asks with, for the archive; its cookies stay in the browser
        request.headers.update({name: value for name, value in asked.headers.items() if not is_secret_header(name)})
        try:
            answer = await route.fetch(max_redirects=0, timeout=self.fetch_timeout)
        except PlaywrightError as error:  # the page fails, to be asked again as any failed download
            logger.info("The browser's request for %s failed: %s", asked.url, first_line(error))
            with suppress(PlaywrightError):  # the page may be closed meanwhile
                await route.abort()
            return
        try:
            with suppress(PlaywrightError):  # the page closed, or the browser went away, meanwhile: none to answer
                request.meta[ADDRESS] = ((await answer.server_addr()) or {}).get("ipAddress")
                location = answer.headers.get("location")
                if 300 <= answer.status < 400 and location:
                    kept = [(h["name"], h["value"]) for h in answer.headers_array if not is_secret_header(h["name"])]
                    request.meta[REDIRECT] = Redirect(answer.status, kept, await answer.body())
                    await route.fulfill(status=200, content_type="text/html", body=EMPTY_PAGE)
                else:
                    request.meta.pop(REDIRECT, None)  # a later document (past a challenge) is the page
                    await route.fulfill(response=answer)
        finally:
            with suppress(PlaywrightError):
                await answer.dispose()  # the body stays in Playwright's driver until then: a run holds every page

    async def settle(self, request: Request, page: Any) -> None:
        """Wait for the page past a challenge, a while at most; keep the document the browser received.

        A challenge's script sets its cookie and loads the page again; judged by
        the page object's own rule (:func:`vok_crawler.site.pages.challenge.challenge`), a
        challenge still there after ``VOK_BROWSER_CHALLENGE_WAIT`` seconds goes
        to the crawl, which counts it as a bot check. What goes to the crawl is
        the last document as the server sent it, not the DOM its scripts made
        (a ``document.write`` is no body): the records are the plain road's.
        """
        from playwright.async_api import Error as PlaywrightError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.challenge_wait
        while True:
            answer = request.meta.get(DOCUMENT)
            try:
                body = await answer.body() if answer is not None else b""
            except PlaywrightError:  # replaced meanwhile by the next document: look again once it is there
                body = b""
            if (
                answer is not None
                and body
                and (challenge(html_selector(body.decode("utf-8", "replace"))) is None or loop.time() > deadline)
            ):
                request.meta[RECEIVED] = (answer.status, body)
                return
            if loop.time() > deadline:
                return
            await page.wait_for_timeout(SETTLE_POLL_MS)
            await page.wait_for_load_state()

    def process_response(self, request: Request, response: Response) -> Response:
        """The document the browser received, with its status; or the redirect the server answered instead."""
        if RENDERED not in response.flags:
            return response
        received = request.meta.pop(RECEIVED, None)
        redirect: Redirect | None = request.meta.pop(REDIRECT, None)
        address = request.meta.pop(ADDRESS, None)
        self.process_exception(request)
        self.crawler.stats.inc_value(stats.BROWSER_PAGES)
        if isinstance(address, str):  # the document came by the fetch, not by the browser's network: it tells
            with suppress(ValueError):  # an address in no form Python reads is left out, as scrapy-playwright does
                response = response.replace(ip_address=ipaddress.ip_address(address))
        if redirect is not None:
            return redirect.response(response)  # judged and followed (or not) as on the plain road
        if received is None or not isinstance(response, TextResponse):
            return response
        status, body = received
        return response.replace(status=status, body=body, encoding=None)  # read in the charset it declares
