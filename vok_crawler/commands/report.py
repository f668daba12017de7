"""``scrapy report CORPUS [-o OUT.html]``: what the corpus holds, as a page to look at and as JSON.

The page (default ``vok.report.html`` beside the corpus) opens from disk
with no network; ``OUT.json`` beside it holds the same figures for a
program (:mod:`vok_crawler.tools.coverage`). The charts need the ``explore``
extra (matplotlib).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from vok_crawler.store.durable import write_durably
from vok_crawler.store.paths import CorpusFiles
from vok_crawler.tools.coverage import count

EXTRA_HINT = 'pip install -e ".[explore]"'


def needs_extra(command: str, error: ImportError) -> str:
    """The one line that says which package of the ``explore`` extra is missing, and how to get it."""
    package = (error.name or "a package").split(".")[0]
    return f"Error: scrapy {command} needs {package}: {EXTRA_HINT}"


def corpus_to_read(command: str, args: list[str], usage: str, extra: str, *, complete: bool = True) -> Path | None:
    """The one corpus file of a corpus command's ``args`` (``scrapy report``, ``scrapy export``), once it can be read.

    Arguments not one file (or an option missing: not ``complete``) are Scrapy's usage error, ``usage``, as
    for any command. A corpus that is not there, or an ``extra`` module (imported here, lazily: the
    ``explore`` extra is optional and every command module is loaded for any ``scrapy`` command) that
    is not installed: one ``Error:`` line, and None for the command to stop with exit status 2.
    """
    if len(args) != 1 or not complete:
        raise UsageError(usage)
    corpus = Path(args[0])
    if not corpus.is_file():
        print(f"Error: no corpus at {corpus}", file=sys.stderr)
        return None
    try:
        importlib.import_module(extra)
    except ImportError as error:  # the explore extra is not installed
        print(needs_extra(command, error), file=sys.stderr)
        return None
    return corpus


def report_paths(corpus: Path, out: str | None) -> tuple[Path, Path]:
    """The page and its JSON: ``OUT`` and ``OUT`` with ``.json``, or ``vok.report.html`` beside the corpus."""
    page = Path(out) if out else CorpusFiles(corpus).report
    return page, page.with_suffix(".json")


class Command(ScrapyCommand):
    requires_crawler_process = False

    def syntax(self) -> str:
        return "CORPUS [-o OUT.html]"

    def short_desc(self) -> str:
        return "Write a page (and JSON) of what a corpus holds: articles per day and month, gaps, coverage"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="OUT.html", help="the page (default: vok.report.html beside it)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self.exitcode = 2
        corpus = corpus_to_read("report", args, "scrapy report takes one corpus file", "vok_crawler.tools.report_page")
        if corpus is None:
            return
        from vok_crawler.tools.report_page import render

        page, data = report_paths(corpus, opts.output)
        figures = count(corpus)
        try:
            page.parent.mkdir(parents=True, exist_ok=True)
            write_durably(data, json.dumps(figures.as_json(), ensure_ascii=False, indent=1) + "\n")
            write_durably(page, render(figures, str(corpus)))
        except OSError as error:
            print(f"Error: could not write the report: {error}", file=sys.stderr)
            return
        stream = figures.current_stream
        print(
            f"{figures.articles} articles; current stream {stream.first} to {stream.last}, "
            f"{figures.days_without_articles} days without an article; {figures.back_catalogue.count} of the "
            f"back catalogue; {figures.dates_to_check.count} dates to check: {page} and {data}"
        )
        self.exitcode = 0
