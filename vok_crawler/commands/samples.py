"""``scrapy samples``: crawl the bundled sample site, offline, with the real spider.

It serves ``samples/site`` on 127.0.0.1 (:mod:`vok_crawler.tools.sample_site`)
and runs ``vok`` against it in the same process, through the same loaders,
pipelines and feeds as ``scrapy crawl vok``; ``-o``/``-O``, ``-s`` and
``-a`` work as they do there.

Its records go to ``data/samples.jsonl`` as a feed that is overwritten, as
``-O`` does, not to a corpus: a corpus remembers articles by URL, and the
samples' URLs hold the port they were served on, so a corpus would grow by
47 records with every new ``--port``. A demo shows one run, whole, each time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.internet.address import IPv4Address
from twisted.internet.error import CannotListenError
from twisted.web.server import Site

from vok_crawler.commands.crawl import Command as CrawlCommand
from vok_crawler.crawl.config import whole_number
from vok_crawler.errors import BadConfiguration
from vok_crawler.tools.sample_site import ALIAS_HOST, SampleSite

SAMPLES_FEED = "data/samples.jsonl"
# A loopback server needs no pacing, and sample records stay out of every corpus.
SAMPLE_RUN_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "VOK_CORPUS": "",
}
# Beside the site's folder: the samples' subscriber cookie, which opens their NK Pro gates
# (-s VOK_COOKIES_FILE= shows the gates instead).
SAMPLE_COOKIES = "cookies.txt"
MAX_PORT = 65535


class Command(CrawlCommand):
    second_name = True  # VOK_HOST_ALIASES is the samples' localhost:PORT (no -s VOK_HOST_ALIASES given)

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Crawl the bundled sample site (samples/site) offline with the vok spider"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", default="samples/site", help="folder of the sample site (default: %(default)s)")
        parser.add_argument(
            "--port", default="8163", help="port on 127.0.0.1, 0 for any free one (default: %(default)s)"
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None, "Scrapy sets the command's settings before its options"
        cookies = str(Path(opts.site).parent / SAMPLE_COOKIES)
        for name, value in {**SAMPLE_RUN_SETTINGS, "VOK_COOKIES_FILE": cookies}.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:  # -s still wins
                self.settings.set(name, value, priority="cmdline")
        # The samples' second host name, on the port served (set once it is listened on), unless -s gives one.
        self.second_name = (self.settings.getpriority("VOK_HOST_ALIASES") or 0) < SETTINGS_PRIORITIES["cmdline"]
        feeds = {SAMPLES_FEED: {"format": "jsonlines", "overwrite": True}, **self.settings.getdict("FEEDS")}
        self.settings.set("FEEDS", feeds, priority="cmdline")

    def run_crawl(self, args: list[str], opts: argparse.Namespace) -> int:
        if args:
            raise UsageError("scrapy samples takes no spider name: it always runs vok")
        root = Path(opts.site)
        if not (root / "article/163/index.html").is_file():
            raise UsageError(f"no sample site at {root} (run from the project root)")
        from twisted.internet import reactor  # the crawler process has installed it by now

        asked = whole_number("--port", opts.port, f"a port from 0 to {MAX_PORT} (0: any free one)", maximum=MAX_PORT)
        site = Site(SampleSite(root))
        try:
            port = reactor.listenTCP(asked, site, interface="127.0.0.1")  # type: ignore[arg-type]  # Site is unannotated
        except CannotListenError as error:
            raise BadConfiguration(
                f"cannot serve the samples on 127.0.0.1:{asked} ({error.socketError}); try another --port"
            ) from None
        served = cast(IPv4Address, port.getHost()).port
        opts.spargs.setdefault("start_url", f"http://127.0.0.1:{served}/article/163/")
        if self.second_name:  # the port is known now
            assert self.settings is not None
            self.settings.set("VOK_HOST_ALIASES", f"{ALIAS_HOST}:{served}", priority="cmdline")
        opts.spargs.setdefault("refresh", "1")  # a demo: every run shows every record
        return super().run_crawl(["vok"], opts)
