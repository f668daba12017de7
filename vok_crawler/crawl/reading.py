"""An article page read into what became of it: the record, or why there is none.

Apart from the spider, which routes what this gives (the record to the
pipelines, the outcome to the ledger, a refusal to :class:`BanWatch`): the
judging of a page (the gate, a page that is no article, one not understood,
another source) is logged and counted here, in one place for every road.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.refusals import BanWatch
from vok_crawler.crawl.session import ARTICLE_GATED
from vok_crawler.items import Article
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.store.ledger import Ledger, Outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleVerdict:
    """What an article page gave: its outcome for the ledger, the record if any, and a refusal to count.

    ``also`` names the record's own URL, a second spelling of the page asked for.
    """

    outcome: Outcome
    item: Article | None = None
    refusal: str | None = None
    also: tuple[str, ...] = ()


@dataclass
class ArticleReader:
    """Judges article pages: ``source`` is the one the corpus keeps (``VOK_SOURCE``); ``session``, a subscriber's run.

    ``session`` is :func:`~vok_crawler.crawl.config.has_session`: cookies or a browser profile.
    """

    counters: StatsCollector
    bans: BanWatch
    ledger: Ledger
    signals: SignalManager
    source: str | None
    session: bool

    def read(self, url: str, page: ArticlePage | None, crawled_at: str) -> ArticleVerdict:
        """What the page is: the record, or why there is none (logged and counted here)."""
        if page is None:
            return ArticleVerdict("skipped")
        gate = nk_pro_gate(page)
        if gate:
            self.gated(url, gate)
            return ArticleVerdict("gated")
        if not page.is_article():
            return ArticleVerdict("failed", refusal="the page is neither an article, a listing nor the NK Pro gate")
        self.bans.answered()
        why = page.not_understood()
        if why:
            logger.warning("Could not read %s as an article (%s): no record; asked for again next run", url, why)
            self.counters.inc_value(stats.PAGES_NOT_UNDERSTOOD)
            return ArticleVerdict("failed")
        self.counters.inc_value(stats.PAGES_ARTICLE)
        item = page.to_item(crawled_at=crawled_at).reported(self.counters)
        assert item.url is not None  # the page's own URL is the last rule for it
        self.ledger.first_request(item.url)  # its canonical spelling may be linked too
        if item.source is None:
            logger.warning("No source found on %s: asked for again next run", url)
            return ArticleVerdict("failed")
        if item.source != self.source:
            logger.info("Skipping %s: source is %r, not %r", url, item.source, self.source)
            self.counters.inc_value(stats.SKIPPED_OTHER_SOURCE)
            return ArticleVerdict("skipped")
        return ArticleVerdict("read", item=item, also=(item.url,))

    def gated(self, url: str, trace: str) -> None:
        """The NK Pro gate answered for ``url``: logged and counted, with what happens to it next."""
        self.bans.answered()
        again = (
            "the subscriber's session did not open it (expired, or logged out?); asked for again next run"
            if self.session
            else "asked for again on a run with a subscriber's cookies or browser profile"
        )
        logger.info("Gated (NK Pro) %s: %s; %s", url, trace, again)
        self.counters.inc_value(stats.GATED)

    def told_gated(self, url: str) -> None:
        """Once the ledger has it as gated: a session that ran out takes it back as pending (SessionWatch)."""
        self.signals.send_catch_log(ARTICLE_GATED, url=url)
