"""The JSON Lines corpus file and what it remembers between runs.

The corpus is the crawler's memory: the URLs it holds are not fetched again,
and a small state file beside it (``vok.state.json`` for ``vok.jsonl``) says
whether the last crawl walked the whole listing and which pages failed.

A process killed mid-write can leave a torn last line. Appending after it
would glue the next record onto the fragment, so the file is repaired
before anything is appended, and what was cut is logged.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO, Any, BinaryIO
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from vok_crawler.errors import BadConfiguration

logger = logging.getLogger(__name__)

# What a crawl without memory starts from: walk the whole listing, nothing to retry or skip.
NO_STATE: dict[str, Any] = {"complete": False, "pending": [], "skipped": []}


def repair_torn_tail(path: Path) -> int:
    """Make the file end with a whole line; return how many bytes were cut.

    A last line without its newline is kept (and given one) if it is a whole
    JSON object, else cut: a record is only ever written with its newline.
    """
    if not path.exists():
        return 0
    with path.open("rb+") as corpus:
        size = corpus.seek(0, 2)
        if size == 0:
            return 0
        corpus.seek(max(0, size - 1))
        if corpus.read(1) == b"\n":
            return 0
        start = _last_line_start(corpus, size)
        corpus.seek(start)
        tail = corpus.read()
        try:
            json.loads(tail)
        except ValueError:
            corpus.truncate(start)
            logger.warning("Cut a torn last line (%d bytes) from %s", len(tail), path)
            return len(tail)
        corpus.write(b"\n")
        return 0


def _last_line_start(corpus: BinaryIO, size: int, chunk: int = 1 << 16) -> int:
    """Offset just past the last newline of the file (0 if there is none)."""
    end = size
    while end > 0:
        begin = max(0, end - chunk)
        corpus.seek(begin)
        found = corpus.read(end - begin).rfind(b"\n")
        if found != -1:
            return begin + found + 1
        end = begin
    return 0


def corpus_urls(path: Path) -> set[str]:
    """The ``url`` of every record in the corpus; bad lines are logged and kept."""
    urls: set[str] = set()
    if not path.exists():
        return urls
    with path.open(encoding="utf-8") as corpus:
        for number, line in enumerate(corpus, start=1):
            if not line.strip():
                continue
            try:
                urls.add(json.loads(line)["url"])
            except (ValueError, KeyError, TypeError):
                logger.warning("Line %d of %s is not a record; left as it is", number, path)
    return urls


class Corpus:
    """One corpus file for one crawl: repaired, its URLs read once, shared.

    The spider asks it what is known; the corpus pipeline appends to it and
    adds each URL it writes to :attr:`urls`. Both get the same instance from
    :meth:`of`, so the file is read once per crawl.
    """

    _per_crawler: WeakKeyDictionary[Crawler, Corpus] = WeakKeyDictionary()

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        repair_torn_tail(path)
        self.urls: set[str] = corpus_urls(path)

    @classmethod
    def of(cls, crawler: Crawler) -> Corpus | None:
        """The crawl's corpus, or ``None`` when ``VOK_CORPUS`` is empty.

        Like a ``FEEDS`` URI, the setting may name spider attributes:
        ``%(name)s``, or ``%(site)s`` (the crawled host and port), so that
        records of different sites never share one corpus.
        """
        if crawler not in cls._per_crawler:
            template = crawler.settings.get("VOK_CORPUS")
            if not template:
                return None
            try:
                path = template % vars(crawler.spider) if "%(" in template else template
            except (KeyError, ValueError, TypeError) as error:
                raise BadConfiguration(f"setting VOK_CORPUS={template!r} cannot be filled in: {error!r}") from None
            cls._per_crawler[crawler] = cls(Path(path))
        return cls._per_crawler[crawler]

    def sibling(self, kind: str) -> Path:
        """A file beside the corpus: ``vok.<kind>.json`` for ``vok.jsonl``."""
        return self.path.with_name(f"{self.path.stem}.{kind}.json")

    def append(self) -> IO[str]:
        return self.path.open("a", encoding="utf-8")

    def read_state(self) -> dict[str, Any]:
        """What the last run left: ``complete`` (it walked the whole listing), ``pending`` URLs."""
        path = self.sibling("state")
        if not path.exists():  # a first crawl, or one killed before it wrote any state
            return NO_STATE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            logger.warning("State file %s is not JSON; this crawl walks the whole listing", path)
            return NO_STATE

    def write_json(self, kind: str, data: dict[str, Any]) -> Path:
        """Write a sibling file atomically: a kill leaves the old one or the new one."""
        path = self.sibling(kind)
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)
        return path
