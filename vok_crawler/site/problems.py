"""Bad input found while reading a page, as data.

Page objects and processors do not log or count: a page object returns the
problems it found with the value it read (:class:`Read`), processors append
them to the loader context's list, and whoever receives them reports them in
one place (:func:`report`), with a log line and a counter each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from vok_crawler.stats import Counters

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing on one page that could not be read as the anatomy says."""

    stat: str  # the counter it goes under (a key of vok_crawler.stats)
    message: str  # the log line, naming the page
    level: int = logging.WARNING


def report(problems: Iterable[Problem], stats: Counters | None) -> None:
    """Log each problem and count it: the one place where page problems become stats."""
    for problem in problems:
        logger.log(problem.level, problem.message)
        if stats is not None:
            stats.inc_value(problem.stat)


@dataclass(frozen=True)
class Read(Generic[T]):
    """A value read from a page, with the problems found while reading it.

    The problems travel with the value, so that whoever receives it reports
    them where it receives them (:meth:`reported`), once: no list is kept on
    the page for a caller to remember to report and empty after each call.
    """

    value: T
    problems: tuple[Problem, ...] = ()

    def reported(self, stats: Counters | None) -> T:
        """The value, once its problems are logged and counted."""
        report(self.problems, stats)
        return self.value
