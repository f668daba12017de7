"""``scrapy report CORPUS [-o OUT.html]``: what the corpus holds, as a page to look at and as JSON.

The page (default ``vok.report.html`` beside the corpus) opens from disk
with no network; ``OUT.json`` beside it holds the same figures for a
program (:mod:`vok_crawler.coverage`). The charts need the ``explore``
extra (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from vok_crawler.corpus import write_durably
from vok_crawler.coverage import count

EXTRA_HINT = 'pip install -e ".[explore]"'


def needs_extra(command: str, error: ImportError) -> str:
    """The one line that says which package of the ``explore`` extra is missing, and how to get it."""
    package = (error.name or "a package").split(".")[0]
    return f"Error: scrapy {command} needs {package}: {EXTRA_HINT}"


def report_paths(corpus: Path, out: str | None) -> tuple[Path, Path]:
    """The page and its JSON: ``OUT`` and ``OUT`` with ``.json``, or ``vok.report.html`` beside the corpus."""
    page = Path(out) if out else corpus.with_name(f"{corpus.stem}.report.html")
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
        if len(args) != 1:
            raise UsageError("scrapy report takes one corpus file")
        corpus = Path(args[0])
        self.exitcode = 2
        if not corpus.is_file():
            print(f"Error: no corpus at {corpus}", file=sys.stderr)
            return
        try:
            from vok_crawler.report_page import render
        except ImportError as error:
            print(needs_extra("report", error), file=sys.stderr)
            return
        page, data = report_paths(corpus, opts.output)
        figures = count(corpus)
        try:
            page.parent.mkdir(parents=True, exist_ok=True)
            write_durably(data, json.dumps(figures.as_json(), ensure_ascii=False, indent=1) + "\n")
            write_durably(page, render(figures, str(corpus)))
        except OSError as error:
            print(f"Error: could not write the report: {error}", file=sys.stderr)
            return
        print(f"{figures.articles} articles, {figures.first_posted} to {figures.last_posted}: {page} and {data}")
        self.exitcode = 0
