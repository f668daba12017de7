"""A road of the tests' own, added as a project adds one: this module and one line of ``VOK_ROADS``.

``-a index=URL[,URL...]`` reads lists of article URLs (one a line) from a
host of the road's own, not the site's (as an archive's index is), and asks
the site for the articles they name; a list that cannot be read is the
road's to count, not a gap in the listing's walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response, TextResponse

from vok_crawler.crawl.roads.road import Counts, Output, Road, Routes

LISTS_READ = "vok/index/lists_read"
LISTS_FAILED = "vok/index/lists_failed"


class IndexRoad(Road):
    name = "index"
    arguments = ("index",)
    reads_whole_list = False  # the lists name some articles, not the source's whole list
    follows_links = False
    steps: ClassVar[Mapping[str, Counts]] = {"list": "own"}

    def __init__(self, lists: list[str]) -> None:
        self.lists = lists

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> IndexRoad:
        return cls([url for url in str(arguments.get("index", "")).split(",") if url])

    def first_requests(self, routes: Routes) -> Iterator[Request]:
        for url in self.lists:
            yield routes.requests.own(url, "list")

    def page(self, step: str, response: Response, routes: Routes) -> Output:
        routes.crawler.stats.inc_value(LISTS_READ)
        urls = response.text.split() if isinstance(response, TextResponse) else []
        yield from routes.requests.follow(routes.requests.unknown(urls), routes.parse_article)

    def failed(self, step: str, url: str, kind: str, routes: Routes) -> Iterable[Request]:
        routes.crawler.stats.inc_value(LISTS_FAILED)
        return ()

    @classmethod
    def health(cls, counters: Mapping[str, Any]) -> dict[str, Any]:
        return {"index": {"lists_read": counters.get(LISTS_READ, 0), "lists_failed": counters.get(LISTS_FAILED, 0)}}
