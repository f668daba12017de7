"""Which spiders fetch the site as the crawl does, and so get its cookies."""

from __future__ import annotations

from vok_crawler.spiders.vok import VokSpider


def fetches_the_site(spidercls: type) -> bool:
    """Whether a spider reads the site as ``vok`` does: ``vok`` itself, or the probe built on it.

    The subscriber's cookies go to such spiders only. The class is checked,
    not a name, so that ``scrapy probe`` sees the site exactly as the crawl
    does (gated or not) without a list of names to keep in step.
    """
    return issubclass(spidercls, VokSpider)
