"""``scrapy parse``, as in any Scrapy project: for the vok spider it looks and keeps nothing.

Scrapy's command runs the spider's callback on one page and prints its
items and requests. The project's components would otherwise take the
corpus's lock and write a corpus, state, health report and archive for a
page that is only looked at; :data:`~vok_crawler.crawl.scope.LOOK_ONLY` makes them
stand aside, while the page is still fetched as the crawl fetches it.
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy import Spider
from scrapy.commands.parse import Command as ScrapyParseCommand

from vok_crawler.crawl.scope import LOOK_ONLY, reads_the_site


def on_the_page_site(args: list[str], opts: argparse.Namespace, spidercls: type[Spider] | None) -> None:
    """The site of a spider that reads it (the vok spider, a subclass of it) is the page's own, unless
    ``-a start_url=`` says otherwise.

    Its links are followed, and its cookies sent, on its start URL's site only:
    for a page of a mirror or a local copy, that is the page's site, not the live one.
    """
    if spidercls is not None and reads_the_site(spidercls) and len(args) == 1:
        opts.spargs.setdefault("start_url", args[0])


class Command(ScrapyParseCommand):
    default_settings: ClassVar[dict[str, Any]] = {**ScrapyParseCommand.default_settings, LOOK_ONLY: True}

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        loader, name = self.crawler_process.spider_loader, opts.spider  # without --spider, Scrapy finds it by URL
        on_the_page_site(args, opts, loader.load(name) if name in loader.list() else None)
        super().run(args, opts)
