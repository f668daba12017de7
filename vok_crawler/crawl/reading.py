"""An article page read into what became of it: the record, or why there is none.

Apart from the spider, which routes what this gives (the record to the
pipelines, the outcome to the ledger, a gate to :class:`~vok_crawler.crawl.session.Gates`,
a refusal to :class:`BanWatch`): the judging of a page (the gate, a page that
is no article, one not understood, another source than the crawl's) is
logged and counted here, in one place for every road.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.refusals import BanWatch
from vok_crawler.items import ArchiveCapture, Article
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.store.ledger import Ledger, Outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleVerdict:
    """What an article page gave: its outcome for the ledger, the record if any, and a refusal to count.

    ``also`` names the record's own URL, a second spelling of the page asked for; ``gate`` how the gate
    showed, for a page behind it (its outcome is :class:`~vok_crawler.crawl.session.Gates`' to tell).
    """

    outcome: Outcome
    item: Article | None = None
    refusal: str | None = None
    also: tuple[str, ...] = ()
    gate: str | None = None


@dataclass
class ArticleReader:
    """Judges article pages: ``source`` is the one the corpus keeps (the crawl's: ``-a source``, else ``VOK_SOURCE``)."""

    counters: StatsCollector
    bans: BanWatch
    ledger: Ledger
    source: str

    def read(
        self, url: str, page: ArticlePage | None, crawled_at: str, capture: ArchiveCapture | None = None
    ) -> ArticleVerdict:
        """What the page is: the record, or why there is none (logged and counted here); ``capture`` the web
        archive's capture the page was read from (``None``: the live site)."""
        if page is None:
            return ArticleVerdict("skipped")
        gate = nk_pro_gate(page)
        if gate:
            return ArticleVerdict("gated", gate=gate)
        if not page.is_article():
            return ArticleVerdict("failed", refusal="the page is neither an article, a listing nor the NK Pro gate")
        self.bans.answered()
        why = page.not_understood()
        if why:
            logger.warning("Could not read %s as an article (%s): no record; asked for again next run", url, why)
            self.counters.inc_value(stats.PAGES_NOT_UNDERSTOOD)
            return ArticleVerdict("failed")
        self.counters.inc_value(stats.PAGES_ARTICLE)
        item = page.to_item(crawled_at, capture).reported(self.counters)
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
