"""Ban detection: when the site keeps refusing the crawl, stop it, and say why.

:class:`BanWatch` is a downloader middleware of the crawl (and of ``scrapy
probe``). It owns the count of refusals in a row and the decision to stop:

- it looks at every page of the site as it arrives, before the retries: a
  bot check's challenge (:func:`vok_crawler.site.pages.challenge.challenge`) in a 200, 403
  or 503 answer fails its request with :class:`~vok_crawler.crawl.failures.BotCheck`,
  so a challenge is neither retried (asking again only meets it again) nor
  parsed;
- the spider tells it each outcome: a page answered (a listing, an article,
  a gate), or a refusal of a kind (401/403/429 after their retries, a page
  that is neither article, listing nor gate, a bot check);
- ``VOK_BLOCKED_AFTER`` refusals in a row close the crawl: finish reason
  ``bot_check`` when the last was a challenge (with what to do: the browser
  road), else ``blocked``; and a crawl that runs out of requests while its
  last answers were challenges (a challenged start page leaves nothing else
  to ask) closes as ``bot_check`` too.

A refusal never makes the crawler forget an article: what the spider could
not read stays pending for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from vok_crawler import stats
from vok_crawler.crawl.advice import advice
from vok_crawler.crawl.config import whole_number_setting
from vok_crawler.crawl.failures import BotCheck
from vok_crawler.crawl.request_urls import is_robots_txt
from vok_crawler.crawl.scope import ReadsContext, require_site_reader
from vok_crawler.crawl.stopping import stop_crawl
from vok_crawler.finish_reasons import BLOCKED, BOT_CHECK
from vok_crawler.site.pages.challenge import challenge
from vok_crawler.site.parsing import page_selector

logger = logging.getLogger(__name__)

Refusal = Literal["http_401", "http_403", "http_429", "unrecognized", "bot_check"]
# A challenge comes as a page (200) or as a refusal carrying one (403; 503 "under attack" modes).
CHALLENGE_STATUSES = frozenset({200, 403, 503})


@dataclass
class InARow:
    """Refusals in a row, and the limit at which they stop the crawl (``VOK_BLOCKED_AFTER``): the one rule for
    the site (:class:`BanWatch`) and for each host of a web archive (:mod:`vok_crawler.crawl.archive_reading`)."""

    limit: int
    count: int = 0

    def refused(self) -> bool:
        """One more refusal; whether the crawl stops now."""
        self.count += 1
        return self.count >= self.limit

    def answered(self) -> None:
        self.count = 0


class BanWatch(ReadsContext):
    """The refusals in a row, the challenges among them, and when they stop the crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.in_a_row = InARow(whole_number_setting(crawler.settings, "VOK_BLOCKED_AFTER"))
        self.last: Refusal | None = None
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BanWatch:
        require_site_reader(crawler)
        watch = cls(crawler)
        crawler.signals.connect(watch.spider_idle, signal=signals.spider_idle)
        return watch

    def process_response(self, request: Request, response: Response) -> Response:
        """A challenge instead of a page of the site fails its request as a bot check."""
        if (
            response.status in CHALLENGE_STATUSES
            and isinstance(response, TextResponse)
            and not is_robots_txt(request)
            and self.context.on_site(response.url)
        ):
            trace = challenge(page_selector(response))  # the page's one parse, which the spider reads too
            if trace:
                raise BotCheck(f"a bot check answered (HTTP {response.status}, {trace})")
        return response

    def answered(self) -> None:
        """The site answered with a page of its own (a listing, an article, a gate)."""
        self.in_a_row.answered()
        self.last = None

    def refused(self, url: str, kind: Refusal, why: str) -> None:
        """The site refused a request or answered nonsense; enough in a row stop the crawl."""
        self.crawler.stats.inc_value(stats.REFUSALS)
        if kind == "unrecognized":
            self.crawler.stats.inc_value(stats.PAGES_UNRECOGNIZED)
            logger.warning("Unrecognized page %s: %s", url, why)
        elif kind == "bot_check":
            self.crawler.stats.inc_value(stats.BOT_CHECKS)
            logger.warning("Bot check on %s: %s", url, why)
        self.last = kind
        if self.in_a_row.refused():
            logger.error(
                "The site has refused %d requests in a row (the last, %s: %s): stopping; what was not read stays pending",
                self.in_a_row.count,
                url,
                kind,
            )
            self._stop()

    def spider_idle(self) -> None:
        """Nothing left to ask, and the last answers were challenges: the run ends as a bot check."""
        if self.last == "bot_check":
            self._stop()

    def _stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        reason = BOT_CHECK if self.last == "bot_check" else BLOCKED
        if reason == BOT_CHECK:
            logger.error("Stopped by a bot check: %s", advice(BOT_CHECK))
        stop_crawl(self.crawler, reason)
