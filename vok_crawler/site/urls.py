"""One spelling per page of the site.

KCNA Watch links the same page as absolute, protocol-relative, without the
trailing slash (answered with a 301), with ``utm_*`` tracking or with a
fragment, and under more than one host name (``kcnawatch.org``,
``kcnawatch.xyz``, their ``www.`` forms: the setting ``VOK_HOST_ALIASES``).
Every link is made canonical before it is compared, requested or written, so
that the dupefilter, the dedupe pipeline and the corpus all see one URL per
page: on the crawl's own scheme and host, whichever name the link used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_HOST_NAME = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
# The path of an article page, /newstream/<epoch>-<id>/<slug>/ (the epoch: when KCNA Watch posted it):
# the one definition of "shaped like the site's article URL" (the posting time is read from it too).
ARTICLE_PATH = re.compile(r"/newstream/(\d+)-\d+")
FREE_MEMBER_FORM = "free-member-form"  # the NK Pro gate's page, in its URL wherever it is
TRACKING_PARAMS = frozenset({"fbclid", "gclid"})
WEB_SCHEMES = frozenset({"http", "https"})


def site_host(netloc: str) -> str:
    """The host part that identifies the site: case-folded, without ``www.``."""
    netloc = netloc.lower()
    return netloc.removeprefix("www.")


Aliases = tuple[str, ...]  # the site's other host names, in the setting's order, as site_host() spells them
NO_ALIASES: Aliases = ()


def host_names(value: str) -> Aliases:
    """``VOK_HOST_ALIASES``'s text (``host[:port]``, space- or comma-separated) as :data:`Aliases`.

    ``ValueError`` naming the names that are no host (with a scheme, a path, ...).
    """
    names = [name for name in re.split(r"[\s,]+", value) if name]
    bad = [name for name in names if not _HOST_NAME.fullmatch(name)]
    if bad:
        raise ValueError(", ".join(map(repr, bad)))
    return tuple(dict.fromkeys(site_host(name) for name in names))


def is_site_host(netloc: str, origin_netloc: str, aliases: Aliases = NO_ALIASES) -> bool:
    """Whether ``netloc`` names the site of ``origin_netloc``: the crawl's own host, or one of its aliases."""
    host = site_host(netloc)
    return host == site_host(origin_netloc) or host in aliases


def aliases_setting(aliases: Aliases, hosts: Iterable[str]) -> str:
    """``VOK_HOST_ALIASES=...`` naming ``aliases`` and ``hosts`` too: the setting under which their links are the site's.

    Comma-separated, so that ``-s`` (or Scrapyd's ``-d setting=``) takes it without quotes.
    """
    return "VOK_HOST_ALIASES=" + ",".join(dict.fromkeys([*aliases, *hosts]))


def site_name(origin: str, aliases: Aliases = NO_ALIASES) -> str:
    """What ``%(site)s`` says: the site, whichever of its names the crawl started from.

    When the crawl's host is one of the aliases, the site is named by the
    first alias of the setting: a run from
    ``kcnawatch.xyz`` and one from ``www.kcnawatch.org`` share
    ``kcnawatch.org``'s corpus. A host that is none of the aliases (a
    loopback crawl with ``VOK_HOST_ALIASES=localhost:P`` started from
    ``127.0.0.1:P``) names the site itself: the aliases are its other names.
    Port separators become ``_`` (``127.0.0.1_8080``), safe in a path.
    """
    host = site_host(urlsplit(origin).netloc)
    if host in aliases:
        host = aliases[0]
    return host.replace(":", "_")


def is_tracking_param(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMS


def canonical_url(href: str, base: str, origin: str, aliases: Aliases = NO_ALIASES) -> str | None:
    """Resolve ``href`` against ``base``; make it canonical if it is on the site.

    ``origin`` is the crawl's own URL and ``aliases`` the site's other host
    names (:func:`host_names`): a link to its host or to an alias, in any
    spelling, becomes the origin's scheme and host, the path with its trailing slash
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
        return _canonical(href if _ABSOLUTE.match(href) else urljoin(base, href), origin, aliases)
    except ValueError:  # urlsplit's "Invalid IPv6 URL" and the like
        return None


@lru_cache(maxsize=4096)  # the site links each article from a dozen pages
def _canonical(url: str, origin: str, aliases: Aliases) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in WEB_SCHEMES or not parts.netloc:
        return None
    crawl = urlsplit(origin)
    if not is_site_host(parts.netloc, crawl.netloc, aliases):
        return urlunsplit(parts)
    path = parts.path or "/"
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)])
    return canonicalize_url(urlunsplit((crawl.scheme, crawl.netloc, path, query, "")))


def on_crawl_host(url: str, origin: str, aliases: Aliases = NO_ALIASES) -> str:
    """A canonical ``url`` that a run on another of the site's names stored, on this crawl's scheme and host.

    The corpus and the state keep URLs as the run that wrote them spelled
    them; read back by a run started from another name, they are the same
    articles. URLs already on the crawl's host (all of them, but after such
    a change) are returned as they are, at the cost of a string compare.
    """
    crawl = urlsplit(origin)
    if url.startswith(f"{crawl.scheme}://{crawl.netloc}/"):
        return url
    return canonical_url(url, url, origin, aliases) or url


def is_free_member_form(url: str) -> bool:
    """Whether ``url`` is NK Pro's sign-up form (``free-member-form``, on the site or off it): the gate, wherever it is.

    The one test for the gate's URL: an article page that is it, and a redirect to it, are gated.
    """
    return FREE_MEMBER_FORM in url


def is_article_url(url: str) -> bool:
    """Whether ``url`` is shaped like an article page of the site (:data:`ARTICLE_PATH`), on whatever host."""
    return ARTICLE_PATH.search(urlsplit(url).path) is not None


def is_on_site(url: str, origin: str, aliases: Aliases = NO_ALIASES) -> bool:
    """Whether ``url`` is a page of the crawled site: on its host or one of its aliases.

    The one definition of "on the site": the spider's links, the redirect
    check and the subscriber's cookies all ask here (through
    :func:`vok_crawler.crawl.scope.on_site`); the spider sets no ``allowed_domains``.
    """
    return is_site_host(urlsplit(url).netloc, urlsplit(origin).netloc, aliases)
