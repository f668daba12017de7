"""A subscriber's session that runs out in the middle of a run, or never opens the gate.

A run given a session (``VOK_COOKIES_FILE``, or a browser profile with
``VOK_BROWSER_PROFILE``) reads articles behind the gate whole, until the
site forgets the login. From then on the gated articles come back gated,
while the free ones, mixed with them on every page of the site, still read
whole: a streak of gates never comes, so the gates themselves tell it
(``docs/site.md``). Listing them as ``gated`` would be wrong (the next run
with a fresh session must read them), and going on would only collect more
of them.

:class:`SessionWatch` counts every article page met behind the gate in a run
with a session, whatever was read between them; at ``VOK_SESSION_LOST_AFTER``
of them it stops the crawl at once (finish reason ``session_expired``), says
what to do, and hands every article it met behind the gate, and any gated
after, back to the memory as pending, not gated. A session that never opened
the gate is told the same way: an article read whole may have been a free
one, so "it worked for a while" cannot be told from "it never worked", and
either way what the user needs is a fresh login.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.config import has_session, whole_number_setting
from vok_crawler.crawl.memory import ReadsMemory
from vok_crawler.crawl.scope import require_vok_crawl
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.finish_reasons import SESSION_EXPIRED

logger = logging.getLogger(__name__)

# Sent by the spider for each article page behind the gate (argument ``url``, as the memory keys it).
ARTICLE_GATED = object()


class SessionWatch(ReadsMemory):
    """Article pages met behind the gate in a run with a session, free ones between them or not; too many end it."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.met: list[str] = []
        self.expired = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionWatch:
        require_vok_crawl(crawler)
        if not has_session(crawler.settings):
            raise NotConfigured("no cookies file and no browser profile: no session to run out")
        watch = cls(crawler, whole_number_setting(crawler.settings, "VOK_SESSION_LOST_AFTER"))
        crawler.signals.connect(watch.article_gated, signal=ARTICLE_GATED)
        return watch

    def article_gated(self, url: str) -> None:
        """A gate met although the run has a session: at the limit, the session is taken for lost."""
        if self.expired:
            self._pending(url)
            return
        self.met.append(url)
        if len(self.met) < self.limit:
            return
        self.expired = True
        logger.error(
            "%d article pages came back behind the gate in a run with a session (cookies or a browser profile): %s",
            len(self.met),
            advice(SESSION_EXPIRED),
        )
        for gated in self.met:
            self._pending(gated)
        stop_crawl(self.crawler, SESSION_EXPIRED)

    def _pending(self, url: str) -> None:
        """Met behind the gate only because the session ran out: asked for again, not listed as gated."""
        self.memory.ledger.tell(url, "failed")
        self.crawler.stats.inc_value(stats.SESSION_LOST)
