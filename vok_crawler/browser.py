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
  navigation off it is answered empty and judged by its target as the plain
  road judges a redirect; other requests off the site are not made), puts the
  cookies of ``VOK_COOKIES_FILE`` into the browser for the crawled host only,
  and gives each page the status of the document the browser rendered.

A profile's cookies are secrets: the browser's ``Cookie`` header is taken
off each request once answered, and the archive leaves it out (as any
cookie); what the archive records is the rendered page, marked so.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import shutil
import subprocess
from http.cookiejar import Cookie, DefaultCookiePolicy, MozillaCookieJar
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.http.cookies import WrappedRequest
from scrapy.settings import Settings
from scrapy.utils.httpobj import urlparse_cached

from vok_crawler import stats
from vok_crawler.cookies import SubscriberCookiesMiddleware
from vok_crawler.errors import BadConfiguration
from vok_crawler.scope import is_vok_crawl, on_site, require_vok_crawl, site_origin
from vok_crawler.warc import RENDERED_BY_BROWSER as RENDERED

logger = logging.getLogger(__name__)

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
CONTEXT = "vok_profile"  # the one browser context: the persistent profile
STATUS = "vok_browser_status"  # request.meta: the status of the document the browser rendered last
# Quiet on a closed network and on a server: no updates, sync or first-run pages. Not stealth.
CHROMIUM_ARGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")
EMPTY_PAGE = "<html><head></head><body></body></html>"
INSTALL_HINT = "pip install -e '.[browser]' (scrapy-playwright), and a Chromium: apt-get install chromium"


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


def context_options(profile: Path, executable: str) -> dict[str, Any]:
    """The persistent context's options: the executable goes here, not in the launch options."""
    return {
        "user_data_dir": str(profile),
        "executable_path": executable,
        "headless": True,
        "args": chromium_args(),
    }


async def browser_headers(
    *, browser_type_name: str, playwright_request: Any, scrapy_request_data: dict[str, Any]
) -> dict[str, str]:
    """The browser's own headers (its cookies among them), with the project's User-Agent: it says who it is."""
    headers: dict[str, str] = await playwright_request.all_headers()
    agent = scrapy_request_data["headers"].get("User-Agent")
    if agent:
        headers["user-agent"] = agent.decode("latin-1")
    return headers


class BrowserRoad:
    """Add-on: the browser road for the vok crawl, when ``VOK_BROWSER_PROFILE`` names a profile."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRoad:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        if not is_vok_crawl(self.crawler) or not settings.get("VOK_BROWSER_PROFILE"):
            return
        if importlib.util.find_spec("scrapy_playwright") is None:
            raise BadConfiguration(f"VOK_BROWSER_PROFILE needs the browser extra: {INSTALL_HINT}")
        profile = profile_dir(settings.get("VOK_BROWSER_PROFILE"))
        executable = find_browser(settings.get("VOK_BROWSER_EXECUTABLE") or "")
        check_browser(executable, profile)
        scheme = urlparse_cached(Request(site_origin(self.crawler))).scheme
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), scheme: HANDLER}  # one scheme: one launch of the profile
        middlewares = {**settings.getdict("DOWNLOADER_MIDDLEWARES"), "vok_crawler.browser.BrowserRequests": 690}
        retried = [*settings.getlist("RETRY_EXCEPTIONS"), "playwright.async_api.Error"]  # a navigation that failed
        for name, value in {
            "DOWNLOAD_HANDLERS": handlers,
            "DOWNLOADER_MIDDLEWARES": middlewares,
            "RETRY_EXCEPTIONS": retried,
            "PLAYWRIGHT_CONTEXTS": {CONTEXT: context_options(profile, executable)},
            "PLAYWRIGHT_MAX_CONTEXTS": 1,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,  # one page at a time, as the plain road
            "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": browser_headers,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.getfloat("DOWNLOAD_TIMEOUT") * 1000,
        }.items():
            settings.set(name, value, priority="addon")
        logger.info("Browser road: the site's pages through %s with the profile %s", executable, profile)


def browser_cookies(jar: MozillaCookieJar, url: str) -> list[dict[str, Any]]:
    """The cookies of the file that the crawled site's URL would be sent, as the browser takes them."""
    policy, asked = DefaultCookiePolicy(), WrappedRequest(Request(url))
    return [_as_browser_cookie(cookie) for cookie in jar if policy.return_ok(cookie, asked)]  # type: ignore[arg-type]  # urllib's Request in all but name


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


class BrowserRequests:
    """The site's pages through the browser's one persistent context; the browser kept on the site."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cookies: list[dict[str, Any]] = []
        self.context_options = crawler.settings.getdict("PLAYWRIGHT_CONTEXTS")[CONTEXT]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRequests:
        require_vok_crawl(crawler)
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self) -> None:
        sender = self.crawler.get_downloader_middleware(SubscriberCookiesMiddleware)
        if sender is not None:
            self.cookies = browser_cookies(sender.jar, site_origin(self.crawler))

    def process_request(self, request: Request) -> None:
        if urlparse_cached(request).path == "/robots.txt" or not on_site(self.crawler, request.url):
            return
        request.meta.update(
            playwright=True,
            playwright_context=CONTEXT,
            playwright_context_kwargs=self.context_options,  # never a context without the profile
            playwright_page_init_callback=self.prepare_page,
        )

    async def prepare_page(self, page: Any, request: Request) -> None:
        """Before the page is asked for: the browser kept on the site, the file's cookies in it, the status kept."""

        async def on_the_site(route: Any, asked: Any) -> None:
            if on_site(self.crawler, asked.url):
                await route.fallback()
            elif asked.is_navigation_request():  # a redirect off the site: judged by its target, never fetched
                await route.fulfill(status=200, content_type="text/html", body=EMPTY_PAGE)
            else:
                await route.abort()

        def rendered(answer: Any) -> None:
            if (
                answer.frame == page.main_frame
                and answer.request.is_navigation_request()
                and not 300 <= answer.status < 400
            ):
                request.meta[STATUS] = answer.status

        await page.route("**", on_the_site)
        page.on("response", rendered)
        if self.cookies:
            await page.context.add_cookies(self.cookies)
            self.cookies = []  # in the profile's context for the rest of the run

    def process_response(self, request: Request, response: Response) -> Response:
        """The browser's Cookie header goes no further; the status is the rendered document's."""
        request.headers.pop(b"Cookie", None)
        if RENDERED not in response.flags:
            return response
        self.crawler.stats.inc_value(stats.BROWSER_PAGES)
        status = request.meta.pop(STATUS, response.status)
        return response.replace(status=status) if status != response.status else response
