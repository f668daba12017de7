"""What the crawl remembers between runs, and the one component that owns it.

:class:`CrawlMemory` is a Scrapy extension of the vok spider. It owns the
corpus file (its URLs; appends), the lock beside it, the state file (read,
validated, written) and the health file. The spider asks it what is known
and tells it what happened (an article read, failed, gated, skipped; the
listing walked or not); the corpus pipeline hands it records. Nothing else
keeps memory of the crawl.

Files beside ``vok.jsonl``: ``vok.state.json`` (did the last run walk the
whole listing; what to ask again; what is gone; the slice walk it learned),
``vok.health.json`` (the last run's report) and ``vok.lock``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, get_args

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.changes import Revisits
from vok_crawler.corpus import CorpusIndex, append_whole, repair_torn_tail, write_durably
from vok_crawler.errors import BadConfiguration, CannotStart, CorpusWriteFailed
from vok_crawler.finish_reasons import WRITE_FAILED
from vok_crawler.processors import KOREA
from vok_crawler.scope import require_vok_crawl
from vok_crawler.slices import Reading, SliceWalk
from vok_crawler.urls import asked_url

logger = logging.getLogger(__name__)

URL_LISTS = ("pending", "gated", "skipped")
READINGS = get_args(Reading)


def utc_now() -> str:
    """ISO 8601 in UTC, to the second, with its zone (``...Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def corpus_path(template: str | None, spider: Any) -> Path | None:
    """``VOK_CORPUS`` filled in: like a ``FEEDS`` URI, it may name ``%(site)s`` (host and port) or ``%(name)s``."""
    if not template:
        return None
    try:
        return Path(template % {"site": spider.site, "name": spider.name})
    except (KeyError, ValueError, TypeError) as error:
        raise BadConfiguration(
            f"setting VOK_CORPUS {template!r} cannot be filled in ({error}): it may name %(site)s and %(name)s"
        ) from None


def valid_state(data: Any) -> dict[str, Any] | None:
    """The state file's content if it has the shape and types this module writes, else ``None``."""
    if not isinstance(data, dict) or not isinstance(data.get("complete"), bool):
        return None
    for key in URL_LISTS:
        urls = data.get(key, [])
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            return None
    walk = data.get("pagination", {})
    if not isinstance(walk, dict):
        return None
    if walk.get("source_id") is not None and not isinstance(walk["source_id"], str):
        return None
    if walk.get("slice_size") is not None and not isinstance(walk["slice_size"], int):
        return None
    if walk.get("to_reading", "unknown") not in READINGS:
        return None
    return data


class CrawlMemory:
    """The corpus, its state and its lock, for one crawl of the vok spider.

    Without a corpus (``VOK_CORPUS`` empty) it remembers nothing: every
    article is unknown and the whole listing is walked.
    """

    def __init__(self, crawler: Crawler, path: Path | None) -> None:
        self.crawler = crawler
        self.path = path
        spider = crawler.spider
        self.refresh: bool = bool(getattr(spider, "refresh", False))
        self.retry_gated = self.refresh or bool(crawler.settings.get("VOK_COOKIES_FILE"))
        self._lock: IO[str] | None = None
        self._fd: int | None = None
        self.urls = CorpusIndex(None)
        state: dict[str, Any] = {"complete": False}
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._lock = self._take_lock(path.with_name(f"{path.stem}.lock"))
                cut = repair_torn_tail(path)
                self.urls = CorpusIndex(path)
            except OSError as error:  # a full disk, a read-only folder: before any request
                raise CannotStart(f"cannot start on {error.filename or path}: {error.strerror or error}") from None
            state = self._read_state()
            if cut:  # the cut record's article is known nowhere now: find it again
                state["complete"] = False
        self.was_complete: bool = state["complete"]
        self.walk_all = self.refresh or not self.was_complete
        self.pending: set[str] = set(state.get("pending", []))
        self.gated: set[str] = set(state.get("gated", []))
        self.skipped: set[str] = set(state.get("skipped", []))
        walk = state.get("pagination", {})
        given_id = getattr(spider, "source_id", None)
        self.walk = SliceWalk(
            source_id=given_id or walk.get("source_id"),
            size=walk.get("slice_size"),
            reading=walk.get("to_reading", "unknown"),
            given_id=given_id is not None,
        )
        revisit_days = getattr(spider, "revisit", None)
        self.revisits = (
            Revisits(path, self.urls, (datetime.now(KOREA).date() - timedelta(days=revisit_days)).isoformat())
            if revisit_days is not None and path is not None
            else None
        )
        self.requested: set[str] = set()  # every URL asked for in this run, in its canonical spelling
        self.in_flight: set[str] = set()  # articles asked for and not yet read or given up
        self.listing_incomplete = False
        self.stuck_because: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlMemory:
        require_vok_crawl(crawler)
        path = corpus_path(crawler.settings.get("VOK_CORPUS"), crawler.spider)
        memory = cls(crawler, path)
        crawler.signals.connect(memory.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(memory.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(memory.spider_error, signal=signals.spider_error)
        crawler.signals.connect(memory.engine_stopped, signal=signals.engine_stopped)
        return memory

    # What the spider asks.

    def is_known(self, url: str) -> bool:
        """In the corpus, gone for good, or gated with no way through: not worth a request."""
        if self.refresh:
            return False
        return url in self.urls or url in self.skipped or (url in self.gated and not self.retry_gated)

    def to_ask_again(self) -> list[str]:
        """Articles a past run could not read and this one should: failed, and gated when it can pass."""
        again = self.pending | (self.gated if self.retry_gated else set())
        return sorted(url for url in again - self.skipped if url not in self.urls)

    def to_revisit(self) -> list[str]:
        """Known articles posted in the last ``revisit`` days, asked for again to see what changed."""
        return self.revisits.urls if self.revisits is not None else []

    def first_request(self, url: str) -> bool:
        """Whether ``url`` is asked for the first time in this run (and now it is)."""
        if url in self.requested:
            return False
        self.requested.add(url)
        return True

    # What the spider tells.

    def asked(self, url: str) -> None:
        self.in_flight.add(url)

    def read(self, *urls: str) -> None:
        """An article page was read (its record written, or skipped for a reason of its own)."""
        for url in urls:
            self.in_flight.discard(url)
            self.pending.discard(url)
            self.gated.discard(url)

    def failed(self, url: str) -> None:
        """An article could not be had this time: ask again next run."""
        self.read(url)
        self.pending.add(url)

    def gate(self, url: str) -> None:
        """An article was behind the NK Pro gate: ask again with a subscriber's cookies."""
        self.read(url)
        self.gated.add(url)

    def skip(self, url: str) -> None:
        """A page that is no record for good: another source, 404 or 410."""
        self.read(url)
        self.skipped.add(url)

    def withdrawn(self, url: str, status: int) -> bool:
        """A known article answered 404 or 410 on a revisit; whether it is one (and was logged)."""
        if self.revisits is None or url not in self.revisits:
            return False
        self.read(url)
        self._count_change(self.revisits.gone(url, status, utc_now()))
        return True

    def revisited(self, record: Any) -> None:
        """A known article answered again: log what changed since its latest version, if anything."""
        url = ItemAdapter(record)["url"]
        if self.revisits is None or url not in self.revisits:
            return
        try:
            self._count_change(self.revisits.seen(record, ItemAdapter(record)["crawled_at"] or utc_now()))
        except OSError as error:
            raise CorpusWriteFailed(f"{self.revisits.log.path}: {error.strerror or error}") from error

    def _count_change(self, change: str | None) -> None:
        if change:
            self.crawler.stats.inc_value(stats.change(change))

    def listing_failed(self) -> None:
        """A listing page or slice could not be read: the walk is not complete."""
        self.listing_incomplete = True

    def stuck(self, why: str) -> None:
        """A full walk could not get past a first page (a listing's, or an article's "More From")."""
        self.stuck_because = self.stuck_because or why

    @property
    def pagination_stuck(self) -> str | None:
        """Why the walk never got past its first page, if it did not: no slice ever held a teaser.

        Judged at the end, not when a page shows no way on: an article's
        "More From" control may show the way the listing did not.
        """
        return self.stuck_because if not self.walk.slices_with_teasers else None

    # The corpus.

    def spider_opened(self, spider: Spider) -> None:
        self.crawler.stats.set_value(stats.CORPUS_RECORDS_BEFORE, len(self.urls))
        if self.path is None:
            return
        logger.info(
            "Corpus %s holds %d articles; %s",
            self.path,
            len(self.urls),
            "walking the whole listing" if self.walk_all else "walking the listing until a slice holds nothing new",
        )
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.write_state(complete=False, reason="running")

    def write(self, url: str, line: str) -> bool:
        """Append a record's line unless the corpus has its URL; whether it was written.

        The line goes to the file whole or not at all; when it cannot
        (:class:`~vok_crawler.errors.CorpusWriteFailed`), the article is
        pending for the next run.
        """
        if url in self.urls:
            return False
        if self._fd is not None:
            try:
                append_whole(self._fd, line.encode("utf-8"))
            except OSError as error:
                self.failed(url)
                raise CorpusWriteFailed(f"{self.path}: {error.strerror or error}") from error
        self.urls.add(url)
        return True

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Remember whether the listing was walked to its end, and what is left to ask for."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as error:
                self._write_failed(self.path, error)
            os.close(self._fd)
            self._fd = None
        self.urls.close()
        if self.revisits is not None:
            self.revisits.log.close()
        if self.path is not None:
            since = getattr(spider, "since", None)
            walked = reason == "finished" and not self.listing_incomplete and self.pagination_stuck is None
            self.write_state(complete=walked and (since is None or self.was_complete), reason=reason)

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        """A callback raised: its article is asked for again, or, for a listing or slice, the walk is not complete."""
        callback = response.request.callback if response.request is not None else None
        if callback is not None and callback == getattr(spider, "parse_article", None):
            self.failed(asked_url(response))
        else:
            self.listing_failed()

    def engine_stopped(self) -> None:
        """After every file is written (the health report's too): let the next crawl in."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock

    def left_over(self) -> tuple[list[str], list[str]]:
        """What the next run asks for again: the pending articles, and the gated ones (with cookies)."""
        pending = sorted(url for url in self.pending - self.skipped if url not in self.urls)
        return pending, sorted(url for url in self.gated - self.pending if url not in self.urls)

    def write_state(self, complete: bool, reason: str) -> None:
        self.pending |= self.in_flight
        pending, gated = self.left_over()
        self.write_json(
            "state",
            {
                "complete": complete,
                "pending": pending,
                "gated": gated,
                "skipped": sorted(self.skipped),
                "pagination": self.walk.remembered(),
                "finish_reason": reason,
                "at": utc_now(),
            },
        )

    def sibling(self, kind: str) -> Path:
        """A file beside the corpus: ``vok.<kind>.json`` for ``vok.jsonl``."""
        assert self.path is not None
        return self.path.with_name(f"{self.path.stem}.{kind}.json")

    def write_json(self, kind: str, data: dict[str, Any]) -> Path | None:
        """Write a sibling file atomically: a kill leaves the old one or the new one."""
        if self.path is None:
            return None
        path = self.sibling(kind)
        try:
            write_durably(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        except OSError as error:
            self._write_failed(path, error)
            return None
        return path

    def _write_failed(self, path: Path | None, error: OSError) -> None:
        """A file of the crawl's memory could not be written: logged, counted, and the run exits non-zero."""
        logger.error("Could not write %s: %s (this run will exit non-zero)", path, error.strerror or error)
        self.crawler.stats.inc_value(stats.error(WRITE_FAILED))

    def _read_state(self) -> dict[str, Any]:
        path = self.sibling("state")
        if not path.exists():  # a first crawl, or one killed before it wrote any state
            return {"complete": False}
        try:
            state = valid_state(json.loads(path.read_text(encoding="utf-8-sig")))
        except (ValueError, UnicodeDecodeError):
            state = None
        if state is None:
            logger.warning("State file %s is not a state this crawler wrote; this crawl walks the whole listing", path)
            return {"complete": False}
        return state

    def _take_lock(self, path: Path) -> IO[str]:
        """One crawl per corpus: an OS lock, released by the kernel when the process dies."""
        lock = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            lock.close()
            raise BadConfiguration(
                f"{self.path} is being crawled by {holder}: one crawl per corpus at a time"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()}\n")
        lock.flush()
        return lock
