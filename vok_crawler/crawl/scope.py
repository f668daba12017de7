"""Which crawls the project's components act on: the vok spider's alone.

The pipelines, extensions and middlewares are enabled in the project's
settings, so Scrapy builds them for every crawler of the project: ``scrapy
shell``, ``fetch``, ``parse``, ``bench``, ``runspider`` and any other spider.
They know the vok spider's corpus and arguments and nothing else, so each
asks here first and stands aside (``NotConfigured``) for any other crawl,
which then runs as in a fresh ``scrapy startproject``. A spider says it
reads the site with the class attribute ``reads_kcnawatch`` (the vok spider
and ``scrapy probe``'s, built on it); only ``vok`` itself has a corpus.

``scrapy parse`` and ``scrapy fetch`` run the vok spider to look at a page,
not to crawl: they set :data:`LOOK_ONLY`, so that the page is fetched as
the crawl fetches it but nothing is kept (no corpus, lock, state, health
report or archive).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from vok_crawler.site.urls import NO_ALIASES, Aliases, is_on_site

LOOK_ONLY = "VOK_LOOK_ONLY"  # the setting of a run that looks at pages and keeps nothing


def fetches_the_site(crawler: Crawler) -> bool:
    """Whether ``crawler`` reads the site as the crawl does: the vok spider, or ``scrapy probe``'s.

    The downloader middlewares (retries, charset, the gate's redirect, the
    subscriber's cookies) serve both, so that the probe sees the site exactly
    as the crawl will.
    """
    return bool(getattr(crawler.spidercls, "reads_kcnawatch", False))


def is_vok_crawl(crawler: Crawler) -> bool:
    """Whether ``crawler`` is the vok crawl itself: the one with a corpus, a memory and a health report."""
    return fetches_the_site(crawler) and crawler.spidercls.name == "vok" and not crawler.settings.getbool(LOOK_ONLY)


def site_origin(crawler: Crawler) -> str:
    """The crawl's start URL: its scheme and host are what "the site" means to every check."""
    origin = getattr(crawler.spider, "start_url", None)
    assert isinstance(origin, str), "a spider that reads the site has a start_url"
    return origin


def site_aliases(crawler: Crawler) -> Aliases:
    """The site's other host names, as the spider read them from ``VOK_HOST_ALIASES``."""
    aliases = getattr(crawler.spider, "host_aliases", NO_ALIASES)
    assert isinstance(aliases, tuple), "a spider that reads the site keeps its host_aliases"
    return aliases


def on_site(crawler: Crawler, url: str) -> bool:
    """Whether ``url`` is a page of the crawled site: the one rule for links, redirects and cookies."""
    return is_on_site(url, site_origin(crawler), site_aliases(crawler))


def require_fetching_the_site(crawler: Crawler) -> None:
    """``NotConfigured`` in a downloader middleware's ``from_crawler`` unless it reads the site."""
    if not fetches_the_site(crawler):
        raise NotConfigured


def require_vok_crawl(crawler: Crawler) -> None:
    """Raise ``NotConfigured`` in a component's ``from_crawler`` unless the crawl is vok's.

    Without a message, so that Scrapy disables the component silently: a
    warning per component in every ``scrapy shell`` would be noise.
    """
    if not is_vok_crawl(crawler):
        raise NotConfigured
