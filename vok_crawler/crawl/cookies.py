"""A subscriber's cookies, from the ``cookies.txt`` a browser extension exports.

NK Pro shows some articles to subscribers only. A subscriber exports the
site's cookies in the Netscape format (``VOK_COOKIES_FILE``) and the crawl
sends them, as a browser would, only where each cookie's own domain and
path match, and only to the crawled site. Python's ``MozillaCookieJar``
reads the format (``#HttpOnly_`` lines included); session cookies, which
exports write with expiry ``0``, are kept as session cookies.

Cookies are secrets: nothing here logs a name or a value, Scrapy's own
cookie debug output is refused beside them (``COOKIES_DEBUG`` logs every
Cookie header), and the header is added to the request on its way out and
taken back when the answer comes, never kept by anything the crawl keeps.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy, LoadError, MozillaCookieJar
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.cookies import WrappedRequest

from vok_crawler import stats
from vok_crawler.crawl.context import CrawlContext
from vok_crawler.crawl.private_api import load_netscape_cookies
from vok_crawler.crawl.scope import crawl_context, require_site_reader
from vok_crawler.errors import BadConfiguration

logger = logging.getLogger(__name__)

ADDED = "vok_cookie_added"  # request.meta: this middleware put the Cookie header there
HTTPONLY = "#HttpOnly_"  # how exports mark an HttpOnly cookie's line (not a comment)
# Which cookie goes where (domain, path, secure, expiry): the jar's rule, one for both roads. Strict about a host-only
# cookie (its domain without a dot: include-subdomains FALSE), which goes to its own host alone, as browsers send it;
# Python's default policy would send it to that host's subdomains too.
POLICY = DefaultCookiePolicy(strict_ns_domain=DefaultCookiePolicy.DomainStrictNonDomain)


def load_cookies(path: Path) -> MozillaCookieJar:
    """The cookies of a Netscape ``cookies.txt``; :class:`BadConfiguration` if it does not load.

    Expiry ``0`` means a session cookie in browser exports; cookies past
    their expiry are dropped, as a browser drops them. Exports differ in
    small ways that ``MozillaCookieJar`` refuses (:func:`as_the_jar_reads_it`).
    """
    jar = MozillaCookieJar(policy=POLICY)
    try:
        text = path.read_text(encoding="utf-8-sig")
        load_netscape_cookies(jar, as_the_jar_reads_it(text), str(path))  # the normalized text, never in a file
    except (OSError, LoadError, ValueError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise BadConfiguration(
            f"VOK_COOKIES_FILE {path} could not be loaded ({reason}): export the site's cookies "
            "from your browser as a Netscape cookies.txt file"
        ) from None
    now = time.time()
    for cookie in list(jar):
        written: object = cookie.expires  # the file's text: "0" for a session cookie
        expires = float(str(written)) if written not in (None, "") else 0.0
        if expires == 0:
            cookie.expires, cookie.discard = None, True
        elif expires <= now:
            jar.clear(cookie.domain, cookie.path, cookie.name)
        else:
            cookie.expires = int(expires)
    return jar


def as_the_jar_reads_it(text: str) -> str:
    """A cookies.txt in the exact dialect ``MozillaCookieJar`` reads.

    Some exports write the include-subdomains flag ``TRUE`` for a domain
    without its leading dot (``kcnawatch.org TRUE``), which the jar takes for
    a corrupt file; the flag means the dot, so the dot is added (and, for an
    IP address, which has no subdomains, the flag is dropped). An expiry
    with a fraction (``1830297600.5``) is cut to whole seconds.
    """
    lines = []
    for line in text.splitlines():
        prefix = HTTPONLY if line.startswith(HTTPONLY) else ""
        fields = line.removeprefix(prefix).split("\t")
        if len(fields) == 7 and not fields[0].startswith("#"):
            domain, flag, expiry = fields[0], fields[1], fields[4]
            if flag == "TRUE" and not domain.startswith("."):
                fields[0], fields[1] = (domain, "FALSE") if _is_ip(domain) else ("." + domain, "TRUE")
            if "." in expiry and expiry.replace(".", "", 1).isdigit():
                fields[4] = expiry.split(".")[0]
            lines.append(prefix + "\t".join(fields))
        else:
            lines.append(line)
    if not lines or not lines[0].startswith("#"):
        lines.insert(0, "# Netscape HTTP Cookie File")  # the magic line some exports leave out
    return "\n".join(lines) + "\n"


def sent_to_host(jar: CookieJar, origin: str) -> list[Cookie]:
    """The cookies of the file that go to ``origin``'s host, each judged at its own path by the jar's own rule.

    What the browser road puts into the browser (which then sends each where
    its domain and path say), chosen as the plain road chooses a request's
    ``Cookie`` header (:meth:`SubscriberCookiesMiddleware.process_request`):
    one cookie at a time, in a jar of its own under the same policy.
    """
    parts = urlsplit(origin)
    chosen = []
    for cookie in jar:
        alone = CookieJar(POLICY)
        alone.set_cookie(cookie)
        asked = Request(urlunsplit((parts.scheme, parts.netloc, cookie.path or "/", "", "")))
        alone.add_cookie_header(WrappedRequest(asked))  # type: ignore[arg-type]  # urllib's Request in all but name
        if asked.headers.get("Cookie"):
            chosen.append(cookie)
    return chosen


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class SubscriberCookiesMiddleware:
    """Send the subscriber's cookies with every request to the crawled site, and nowhere else."""

    def __init__(self, crawler: Crawler, context: CrawlContext, jar: MozillaCookieJar) -> None:
        self.crawler = crawler
        self.context = context
        self.jar = jar

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SubscriberCookiesMiddleware:
        require_site_reader(crawler)
        setting = crawler.settings.get("VOK_COOKIES_FILE")
        if not setting:
            raise NotConfigured("VOK_COOKIES_FILE is empty: no subscriber cookies")
        if crawler.settings.getbool("COOKIES_DEBUG"):
            raise BadConfiguration(
                "COOKIES_DEBUG would log the subscriber's cookies: turn it off to use VOK_COOKIES_FILE"
            )
        path = Path(setting).expanduser()
        jar = load_cookies(path)
        context = crawl_context(crawler)
        start_url = context.start_url
        probe = Request(start_url)
        jar.add_cookie_header(WrappedRequest(probe))  # type: ignore[arg-type]  # urllib's Request in all but name
        if not probe.headers.get("Cookie"):
            raise BadConfiguration(
                f"VOK_COOKIES_FILE {path} holds no cookie for {start_url}: export the cookies of that site"
            )
        logger.info(
            "Subscriber cookies loaded from %s (%d in the file); sent to %s only",
            path,
            len(jar),
            urlsplit(start_url).netloc,
        )
        return cls(crawler, context, jar)

    def process_request(self, request: Request, spider: object = None) -> None:
        if b"Cookie" in request.headers or not self.context.on_site(request.url):
            return
        self.jar.add_cookie_header(WrappedRequest(request))  # type: ignore[arg-type]  # urllib's Request in all but name
        if b"Cookie" in request.headers:
            request.meta[ADDED] = True
            self.crawler.stats.inc_value(stats.COOKIES_SENT)

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        self._take_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        self._take_back(request)

    @staticmethod
    def _take_back(request: Request) -> None:
        """The header goes out with the request and no further: a retry or redirect copies the
        request (and a JOBDIR queue writes it to disk) without it; it is added anew when sent."""
        if request.meta.pop(ADDED, False):
            request.headers.pop(b"Cookie", None)  # the browser road may have taken it off already
