"""Bad input found while reading a page, as data.

Page objects and processors do not log or count: they append a
:class:`Problem` to the list they are given, and the spider reports them all
in one place (:func:`report`), with a log line and a counter each.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One thing on one page that could not be read as the anatomy says."""

    stat: str  # the counter it goes under (a key of vok_crawler.stats)
    message: str  # the log line, naming the page
    level: int = logging.WARNING


def report(problems: list[Problem], stats: StatsCollector | None) -> None:
    """Log each problem and count it, then forget it: the one place where page problems become stats.

    The list is emptied, so that a page's later problems (found while its
    "More Articles" control is read) can be reported the same way, once.
    """
    for problem in problems:
        logger.log(problem.level, problem.message)
        if stats is not None:
            stats.inc_value(problem.stat)
    problems.clear()
