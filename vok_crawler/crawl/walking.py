"""The listing's walk as requests: the slice after a page, and where the list ends.

Apart from the spider, which routes a listing page or a slice here once it
has read its teasers: which slice comes next (the control's link, else one
built from what the pages showed), whether a slice that answered 404 or 410
is the end of the list, and what a page without teasers means. What the
walk knows (the source id, the slice size, the frontier) is the memory's
:class:`~vok_crawler.site.slices.SliceWalk`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from vok_crawler import stats
from vok_crawler.crawl.following import SiteRequests
from vok_crawler.crawl.refusals import BanWatch
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.site.slices import Slice, SliceWalk, parse_slice

logger = logging.getLogger(__name__)

# A slice past the end of the list answers nothing, or WordPress's "0" / "-1".
END_OF_LIST_TEXT = frozenset({"", "0", "-1"})


@dataclass
class SliceRequests:
    """The walk's next slices and its end, asked for the site at ``start_url`` (see the module)."""

    start_url: str
    walk: SliceWalk
    requests: SiteRequests
    counters: StatsCollector
    bans: BanWatch

    def next_slice(self, response: Response, page: SitePage, asked: Slice | None, held: int) -> Iterator[Request]:
        """The slice after this page: the control's link if it goes on, else one built from what the pages showed."""
        control = page.more_articles().reported(self.counters)
        self.counters.inc_value(stats.pagination_route(control.route))
        walk = self.walk
        chosen = walk.after(asked, held, control)
        jump = chosen.refused is not None and chosen.refused > chosen.start
        if jump or (chosen.refused is not None and asked is not None):  # every article points at the first slice
            logger.log(
                logging.WARNING if jump else logging.INFO,
                "More Articles on %s %s offset %d: asking %d",
                response.url,
                "jumps ahead to" if jump else "points back to",
                chosen.refused,
                chosen.start,
            )
            self.counters.inc_value(stats.SLICE_JUMPS if jump else stats.SLICE_SEEN_AGAIN)
        if chosen.target is None and asked is None and walk.whole:
            walk.stuck(
                f"no way to the slice after {response.url}: no link, no data-id, no slice URL in its scripts "
                "(give the source's id with -a source_id=K)"
            )
        yield from self.requests.follow([walk.take(chosen.target, self.start_url, chosen.href)])

    def past_the_end(self, url: str, kind: str) -> bool:
        """A slice answered 404 or 410: whether that is the end of the list (asked at the walk's frontier).

        Short of the frontier, or before any page of the walk held teasers, it
        is a failure like any other.
        """
        asked = parse_slice(url)
        if asked is None or not self.walk.ended(asked, "not found"):
            return False
        logger.info("The slice %s answered %s: the end of the list", url, kind.removeprefix("http_"))
        self.counters.inc_value(stats.LISTING_END_NOT_FOUND)
        self.judge_first_slice(url)
        return True

    def judge_first_slice(self, url: str) -> None:
        """The walk's end came at its first slice: on a whole walk, a source of twelve articles or a wrong id."""
        walk = self.walk
        if walk.whole and not walk.slices_with_teasers:  # judged at the end: a later slice may hold some
            walk.stuck(f"the first slice, {url}, held no teaser (is the source id right?)")

    def no_teasers(self, response: Response, page: SitePage, asked: Slice | None) -> Iterator[Request]:
        """A page without teasers: the end of the list, or a page that is not what was asked for."""
        text = " ".join(page.root.xpath("//body//text()")).strip()
        if asked is None or text not in END_OF_LIST_TEXT:
            self.walk.failed(response.url)
            self.bans.refused(response.url, "unrecognized", "no teaser on a listing page or slice")
            return
        self.bans.answered()
        walk = self.walk
        self.judge_first_slice(response.url)
        if not walk.ended(asked):  # empty short of the offset after the last teaser seen: ask that one
            logger.info("The slice %s is empty before offset %d: asking it", response.url, walk.frontier)
            yield from self.requests.follow([walk.take(walk.slice_at(walk.frontier), self.start_url)])
