"""Which crawls the project's components act on: the vok spider's alone.

The pipelines, extensions and middlewares are enabled in the project's
settings, so Scrapy builds them for every crawler of the project: ``scrapy
shell``, ``fetch``, ``parse``, ``bench``, ``runspider`` and any other spider.
They know the vok spider's corpus and arguments and nothing else, so each
asks here first and stands aside (``NotConfigured``) for any other crawl,
which then runs as in a fresh ``scrapy startproject``.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from vok_crawler.spiders.vok import VokSpider


def is_vok_crawl(crawler: Crawler) -> bool:
    """Whether ``crawler`` runs the vok spider (or a subclass of it)."""
    return issubclass(crawler.spidercls, VokSpider)


def require_vok_crawl(crawler: Crawler) -> None:
    """Raise ``NotConfigured`` in a component's ``from_crawler`` unless the crawl is vok's.

    Without a message, so that Scrapy disables the component silently: a
    warning per component in every ``scrapy shell`` would be noise.
    """
    if not is_vok_crawl(crawler):
        raise NotConfigured
