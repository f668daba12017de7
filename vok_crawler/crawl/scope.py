"""Which crawls the project's components act on: those of a spider that reads the site, by what it declares.

The pipelines, extensions and middlewares are enabled in the project's
settings, so Scrapy builds them for every crawler of the project: ``scrapy
shell``, ``fetch``, ``parse``, ``bench``, ``runspider`` and any other spider.
They serve a spider that says it reads the site (a
:class:`~vok_crawler.crawl.context.ReadsTheSite`: the vok spider, any
subclass of it whatever its name, and ``scrapy probe``'s) and read what it
publishes, its :class:`~vok_crawler.crawl.context.CrawlContext`; for any other
crawl each stands aside (``NotConfigured``), which then runs as in a fresh
``scrapy startproject``. Only a spider that keeps a corpus (its class's
``keeps_a_corpus``) gets the corpus, memory, health report and archive.

``scrapy parse`` and ``scrapy fetch`` run the vok spider to look at a page,
not to crawl: they set :data:`LOOK_ONLY`, so that the page is fetched as
the crawl fetches it but nothing is kept (no corpus, lock, state, health
report or archive).
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from vok_crawler.crawl.context import CrawlContext, ReadsTheSite

LOOK_ONLY = "VOK_LOOK_ONLY"  # the setting of a run that looks at pages and keeps nothing


def reads_the_site(spidercls: type[Spider]) -> bool:
    """Whether a spider of ``spidercls`` reads the site as the crawl does: it declares so by being a ``ReadsTheSite``.

    The downloader middlewares (retries, charset, the gate's redirect, the
    subscriber's cookies) serve it, so that the probe sees the site exactly
    as the crawl will.
    """
    return issubclass(spidercls, ReadsTheSite)


def keeps_a_corpus(spidercls: type[Spider], settings: BaseSettings) -> bool:
    """Whether a crawl of ``spidercls`` keeps what it reads: a corpus, a memory, a health report, an archive.

    Known from the class, before the spider is made (``scrapy crawl`` checks its feeds first).
    """
    return issubclass(spidercls, ReadsTheSite) and spidercls.keeps_a_corpus and not settings.getbool(LOOK_ONLY)


def is_corpus_crawl(crawler: Crawler) -> bool:
    """Whether ``crawler`` is a crawl with a corpus, a memory and a health report (:func:`keeps_a_corpus`)."""
    return keeps_a_corpus(crawler.spidercls, crawler.settings)


def crawl_context(crawler: Crawler) -> CrawlContext:
    """What the running spider publishes of its crawl: the site, the source, the corpus, the road, the job."""
    spider = crawler.spider
    assert isinstance(spider, ReadsTheSite), "a component of the crawl runs with a spider that reads the site"
    return spider.crawl_context


class ReadsContext:
    """A component that reads what the crawl is: its context, asked for when used (the spider that publishes
    it is made before any component, in a crawl)."""

    crawler: Crawler

    @property
    def context(self) -> CrawlContext:
        return crawl_context(self.crawler)


def require_site_reader(crawler: Crawler) -> None:
    """``NotConfigured`` in a downloader middleware's ``from_crawler`` unless the spider reads the site."""
    if not reads_the_site(crawler.spidercls):
        raise NotConfigured


def require_corpus_crawl(crawler: Crawler) -> None:
    """``NotConfigured`` in a component's ``from_crawler`` unless the crawl keeps a corpus.

    Without a message, so that Scrapy disables the component silently: a
    warning per component in every ``scrapy shell`` would be noise.
    """
    if not is_corpus_crawl(crawler):
        raise NotConfigured
