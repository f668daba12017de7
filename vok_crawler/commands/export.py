"""``scrapy export CORPUS --sqlite DB``: the corpus as an SQLite database to search with Datasette.

See :mod:`vok_crawler.tools.export` for its tables, and ``DB.metadata.json``
beside it for Datasette. It needs the ``explore`` extra (sqlite-utils;
Datasette to browse it). It logs as Scrapy does (``-L``, ``--logfile``,
``--nolog``): one line before each step of the export.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from vok_crawler.commands.report import corpus_to_read


class Command(ScrapyCommand):
    requires_crawler_process = False

    def syntax(self) -> str:
        return "CORPUS --sqlite DB"

    def short_desc(self) -> str:
        return "Write (or bring up to date) an SQLite database of the corpus, with full-text search, for Datasette"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--sqlite", metavar="DB", help="the SQLite database to write or update")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self.exitcode = 2
        usage = "scrapy export takes one corpus file and --sqlite DB"
        corpus = corpus_to_read("export", args, usage, "vok_crawler.tools.export", complete=bool(opts.sqlite))
        if corpus is None:
            return
        from vok_crawler.tools.datasette_metadata import metadata_path
        from vok_crawler.tools.export import export

        assert self.settings is not None
        configure_logging(self.settings)
        try:
            exported = export(corpus, Path(opts.sqlite))
        except (OSError, sqlite3.Error) as error:
            print(f"Error: could not write {opts.sqlite}: {error}", file=sys.stderr)
            return
        print(
            f"{opts.sqlite}: {exported.new_articles} new articles; it holds {exported.articles} articles, "
            f"{exported.related} related teasers and {exported.changes} changes "
            f"(search: datasette {opts.sqlite} -m {metadata_path(Path(opts.sqlite))})"
        )
        self.exitcode = 0
