"""The listing road, the crawl's default: the source's listing walked slice by slice, and what a past run left.

It asks for the start page (a listing, a slice or an article: the spider
reads it by its markup), then the articles the state left pending (and the
gated ones, with a session) and, with ``-a revisit=DAYS``, the known
articles of the last days. The walk itself, the listing's teasers, its
slices and the articles' "More From" teasers, is the spider's reading of
the site's pages; this road reads the whole list, so a run that finished
marks the walk complete.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy import Request

from vok_crawler.crawl.roads.road import Road, Routes


class ListingRoad(Road):
    """The source's listing, walked to the end or to a slice with nothing new (see the module)."""

    name = "listing"

    def first_requests(self, routes: Routes) -> Iterator[Request]:
        requests, memory = routes.requests, routes.memory
        yield from requests.follow([routes.start_url], routes.parse)
        yield from requests.follow(memory.ledger.to_ask_again(), routes.parse_article)
        yield from requests.follow(memory.to_revisit(), routes.parse_article)
