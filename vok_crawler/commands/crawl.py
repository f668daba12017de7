"""``scrapy crawl``, exiting non-zero unless the run finished well.

Scrapy's own command exits 0 whatever the finish reason, so a scheduler
cannot tell a healthy day from a day when the site changed its markup, the
disk filled up or the run was stopped (:mod:`vok_crawler.finish_reasons`).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError



class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("scrapy crawl takes exactly one spider name")
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats.get_value("finish_reason") != "finished":
            self.exitcode = 1
