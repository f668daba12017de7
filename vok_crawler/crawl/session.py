"""A subscriber's session that runs out in the middle of a run, or never opens the gate.

A run given a session (``VOK_COOKIES_FILE``, or a browser profile with
``VOK_BROWSER_PROFILE``) reads articles behind the gate whole, until the
site forgets the login. From then on the gated articles come back gated,
while the free ones, mixed with them on every page of the site, still read
whole: a streak of gates never comes, so the gates themselves tell it
(``docs/site.md``). Listing them as ``gated`` would be wrong (the next run
with a fresh session must read them), and going on would only collect more
of them.

Every article met behind the gate is told to :class:`Gates`, the one owner
of what becomes of it. Without a session it is ``gated``, asked for again
on a run with one. With a session, :class:`Gates` counts every article
page met behind the gate in the run, whatever was read between them; at
``VOK_SESSION_LOST_AFTER`` of them it stops the crawl at once (finish
reason ``session_expired``), says what to do, and makes every article it
met behind the gate, and any gated after, pending, not gated. A session
that never opened the gate is told the same way: an article read whole may
have been a free one, so "it worked for a while" cannot be told from "it
never worked", and either way what the user needs is a fresh login.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.config import has_session, whole_number_setting
from vok_crawler.crawl.refusals import BanWatch
from vok_crawler.finish_reasons import SESSION_EXPIRED
from vok_crawler.store.ledger import Ledger

logger = logging.getLogger(__name__)


def session_limit(settings: BaseSettings) -> int | None:
    """How many gates a run with a session meets before it is taken for lost (``VOK_SESSION_LOST_AFTER``);
    ``None`` for a run without a session (no cookies file, no browser profile)."""
    return whole_number_setting(settings, "VOK_SESSION_LOST_AFTER") if has_session(settings) else None


class Gates:
    """The articles met behind the gate in a run, and what becomes of each (see the module).

    ``limit`` is :func:`session_limit`'s; ``stop`` ends the crawl as ``session_expired``.
    """

    def __init__(
        self, ledger: Ledger, counters: StatsCollector, bans: BanWatch, limit: int | None, stop: Callable[[], object]
    ) -> None:
        self.ledger = ledger
        self.counters = counters
        self.bans = bans
        self.limit = limit
        self.stop = stop
        self.met: list[str] = []  # in a run with a session: every gate met
        self.expired = False

    def gate(self, url: str, trace: str) -> None:
        """The gate answered for ``url`` (``trace``: how it showed): logged, counted, and its article told."""
        self.bans.answered()
        again = (
            "asked for again on a run with a subscriber's cookies or browser profile"
            if self.limit is None
            else "the subscriber's session did not open it (expired, or logged out?); asked for again next run"
        )
        logger.info("Gated (NK Pro) %s: %s; %s", url, trace, again)
        self.counters.inc_value(stats.GATED)
        if self.expired:
            self._pending(url)
            return
        self.ledger.tell(url, "gated")
        if self.limit is None:
            return
        self.met.append(url)
        if len(self.met) >= self.limit:
            self._session_lost()

    def _session_lost(self) -> None:
        """The limit is reached: the session is taken for lost, the gates met are pending, the crawl stops."""
        self.expired = True
        logger.error(
            "%d article pages came back behind the gate in a run with a session (cookies or a browser profile): %s",
            len(self.met),
            advice(SESSION_EXPIRED),
        )
        for gated in self.met:
            self._pending(gated)
        self.stop()

    def _pending(self, url: str) -> None:
        """Met behind the gate only because the session ran out: asked for again, not listed as gated."""
        self.ledger.tell(url, "failed")
        self.counters.inc_value(stats.SESSION_LOST)
