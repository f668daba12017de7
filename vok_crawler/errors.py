"""The errors that stop a run before or while it writes, each named for what went wrong.

Plain exceptions, shared by every layer (no Scrapy here): ``scrapy crawl``
turns each into one ``Error:`` line and its exit status
(:mod:`vok_crawler.commands.crawl`). How a request failed is the crawl's
business (:mod:`vok_crawler.crawl.failures`).
"""

from __future__ import annotations


class BadConfiguration(Exception):
    """A spider argument, setting or file the crawl cannot run with.

    Raised before any request; ``scrapy crawl`` prints its message on one
    line and exits 2 instead of a traceback.
    """


class CorpusLocked(Exception):
    """Another process holds the corpus's lock: one crawl per corpus at a time.

    Raised before anything of the corpus is read; ``scrapy crawl`` prints its
    message (naming the process that holds it) on one line and exits 2, as for
    a bad argument: this run, as asked, cannot be made now.
    """


class CannotStart(Exception):
    """The crawl's own files cannot be made or read at its start (a full disk, a read-only folder).

    Raised before any request; ``scrapy crawl`` prints its message on one
    line and exits 1: not a bad argument, but a run that could not be made.
    """


class CorpusWriteFailed(Exception):
    """A record could not be written whole (disk full, I/O error): the file was cut back."""
