"""``scrapy crawl``, whose exit status tells a scheduler how the day went.

Scrapy's own command exits 0 whatever the finish reason, so a cron job or
Scrapyd (which runs this command too) cannot tell a good day from a day the
site changed its markup, a feed was lost or the run was stopped. For the
vok spider (and any subclass of it, whatever its name) the status is:

- 0: the crawl finished (finish reason ``finished``) and every feed was stored;
- 1: any other finish reason (``layout_broken``, ``nothing_fetched``,
  ``shutdown``, ``closespider_*``, ...), a feed that failed to store, or a
  crawl that could not start (its own files could not be made, as on a full
  disk: one ``Error:`` line);
- 2: a bad argument or setting (:class:`~vok_crawler.errors.BadConfiguration`),
  or a corpus another crawl holds (:class:`~vok_crawler.errors.CorpusLocked`):
  its message on one line, no traceback, before any request.

Other spiders of the project keep Scrapy's own status (1 only when they
could not start).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from vok_crawler import stats
from vok_crawler.crawl.feeds import check_feed_targets
from vok_crawler.crawl.scope import is_corpus_crawl
from vok_crawler.errors import BadConfiguration, CannotStart, CorpusLocked
from vok_crawler.finish_reasons import WRITE_FAILED

FINISHED = "finished"
FEED_FAILED = "feedexport/failed_count/"  # Scrapy's FeedExporter counts a feed it could not store here
BAD_CONFIGURATION_STATUS = 2


def exit_status(crawler: Crawler, bootstrap_failed: bool) -> int:
    """The one place that decides the status of a crawl that ran (see the module's docstring)."""
    if bootstrap_failed:
        return 1
    if not is_corpus_crawl(crawler):
        return 0
    counters = crawler.stats.get_stats()
    feeds_failed = any(value for key, value in counters.items() if key.startswith(FEED_FAILED))
    memory_failed = counters.get(stats.error(WRITE_FAILED))  # the state or health file, at the close
    return 0 if counters.get("finish_reason") == FINISHED and not feeds_failed and not memory_failed else 1


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self.run_crawl(args, opts)
        except (BadConfiguration, CorpusLocked) as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = BAD_CONFIGURATION_STATUS
        except CannotStart as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = 1

    def run_crawl(self, args: list[str], opts: argparse.Namespace) -> int:
        """Run the one spider named in ``args``; its exit status."""
        if len(args) != 1:
            raise UsageError("scrapy crawl takes exactly one spider name")
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        if is_corpus_crawl(crawler):
            check_feed_targets(crawler.settings)
        errors: list[BaseException] = []
        keep_error(self.crawler_process.crawl(crawler, **opts.spargs), errors)
        self.crawler_process.start()
        hold_late_signals()
        if errors:  # raised here, where Scrapy would only log it from inside the crawl's task
            raise errors[0]
        return exit_status(crawler, self.crawler_process.bootstrap_failed)


def hold_late_signals() -> None:
    """Once the crawl has stopped, hold any Ctrl-C or SIGTERM until the process exits.

    Every file of the run is written by then, so a late signal cuts nothing;
    but Python's finalization restores the default handlers, under which a
    second SIGTERM sent while the process is exiting would kill it (status
    143) and hide the status this command chose.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def keep_error(crawl: Awaitable[None], errors: list[BaseException]) -> None:
    """Collect the exception a crawl ends with (a spider's or a component's ``__init__``).

    ``scrapy crawl`` gets an asyncio task (or a Deferred, under a non-asyncio
    reactor) whose exception Scrapy leaves to be logged with its traceback
    when the task is collected; taken here, it is re-raised once the process
    has stopped, where :meth:`Command.run` can turn it into one line.
    """

    def keep_failure(failure: Failure) -> None:
        if failure.value is not None:
            errors.append(failure.value)

    def keep_exception(task: asyncio.Future[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            errors.append(error)

    if isinstance(crawl, Deferred):
        crawl.addErrback(keep_failure)
    elif isinstance(crawl, asyncio.Future):
        crawl.add_done_callback(keep_exception)
