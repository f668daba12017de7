"""One spelling per page of the site.

KCNA Watch links the same page as absolute, protocol-relative, without the
trailing slash (answered with a 301), with ``utm_*`` tracking or with a
fragment. Every link is made canonical before it is compared, requested or
written, so that the dupefilter, the dedupe pipeline and the corpus all see
one URL per page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapy.http import Request, Response
from w3lib.url import canonicalize_url

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
TRACKING_PARAMS = frozenset({"fbclid", "gclid"})
WEB_SCHEMES = frozenset({"http", "https"})


def site_host(netloc: str) -> str:
    """The host part that identifies the site: case-folded, without ``www.``."""
    netloc = netloc.lower()
    return netloc.removeprefix("www.")


def is_tracking_param(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMS


def canonical_url(href: str, base: str, origin: str) -> str | None:
    """Resolve ``href`` against ``base``; make it canonical if it is on the site.

    ``origin`` is the crawl's own URL: a link to its host, in any spelling,
    becomes the origin's scheme and host, the path with its trailing slash
    (file-like paths such as ``admin-ajax.php`` keep theirs), no fragment and
    no tracking parameters. A link off the site is data, not a page of ours:
    it is only resolved. Returns ``None`` for what is not a web link at all
    (``javascript:``, ``mailto:``, empty, or too malformed to parse, such as
    ``http://[oops/``).
    """
    href = href.strip()
    if not href:
        return None
    try:
        return _canonical(href if _ABSOLUTE.match(href) else urljoin(base, href), origin)
    except ValueError:  # urlsplit's "Invalid IPv6 URL" and the like
        return None


@lru_cache(maxsize=4096)  # the site links each article from a dozen pages
def _canonical(url: str, origin: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in WEB_SCHEMES or not parts.netloc:
        return None
    crawl = urlsplit(origin)
    if site_host(parts.netloc) != site_host(crawl.netloc):
        return urlunsplit(parts)
    path = parts.path or "/"
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)])
    return canonicalize_url(urlunsplit((crawl.scheme, crawl.netloc, path, query, "")))


def asked_url(message: Request | Response) -> str:
    """The URL the crawl asked for, before any redirect (of a response, or of a failed request)."""
    return str(message.meta.get("redirect_urls", [message.url])[0])


def is_on_site(url: str, origin: str) -> bool:
    """Whether ``url`` (already canonical) is a page of the crawled site.

    The one definition of "on the site": the spider's links, the redirect
    check and the subscriber's cookies all ask here (through
    :func:`vok_crawler.scope.on_site`); the spider sets no ``allowed_domains``.
    """
    return site_host(urlsplit(url).netloc) == site_host(urlsplit(origin).netloc)
