"""A road: one way of reading the site's articles, as an object the spider routes by.

Each road says, as data and small methods (never as an ``if`` in the spider):

- its arguments (``-a published_from=...``), which also imply it, and how
  they make the road (:meth:`Road.from_arguments`);
- its first requests (:meth:`Road.first_requests`);
- whether it reads the whole list (``reads_whole_list``: whether a run that
  finished may mark the walk complete in the state), and whether the
  "More From" teasers and slices of the articles it reads are followed
  (``follows_links``);
- whether its answers go to the crawl's own archive (``archived``), and
  whether it reads a web archive's captures (``reads_archive``: the
  crawl then reads where the archive is, ``VOK_ARCHIVE_*``, before any request);
- the pages of its own (``steps``), each with the way its failure counts,
  which the spider hands to :meth:`Road.page` and :meth:`Road.failed`;
- how its records are judged (:meth:`Road.keeps`) and its runs
  (:meth:`Road.layout_problems`, :meth:`Road.verdict`), and what its
  section of the health report says (:meth:`Road.health`).

The spider reads the site's own pages (listings, slices, articles) by the
same rules on every road. A road asks for pages of its own through the
spider's :class:`~vok_crawler.crawl.following.SiteRequests`: on the site
(:meth:`~vok_crawler.crawl.following.SiteRequests.road_pages`, a search's
days), or off it, on a host of its own (:meth:`~vok_crawler.crawl.following.SiteRequests.own`,
an archive's index): such a request is the road's (:data:`ROAD_OWN`), so it is
not dropped as off the site nor judged by the site's redirect rules, and its
failure counts as its step says, never as the walk's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from scrapy import Request
from scrapy.http import Response

from vok_crawler.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from vok_crawler.crawl.archive_reading import ArchiveReading
    from vok_crawler.crawl.following import SiteRequests
    from vok_crawler.crawl.health import Verdict
    from vok_crawler.crawl.memory import CrawlMemory
    from vok_crawler.crawl.refusals import BanWatch

ROAD_STEP = "vok_road_step"  # request.meta: the road's own page this request asks for, by the name of its step
ROAD_OWN = "vok_road_own"  # request.meta: a request the road makes off the site, to a host of its own
# How the failure of a road's page counts: as a listing page's (the walk is not complete), as an article's
# (the article is pending, or gated), or as the road's alone (it says what it means).
Counts = Literal["listing", "article", "own"]
Output = Iterator[Article | Request]


class Routes(Protocol):
    """What a road may ask of the spider that takes it: the crawl, its memory, its requests and its routing."""

    crawler: Crawler
    start_url: str

    @property
    def memory(self) -> CrawlMemory: ...

    @property
    def requests(self) -> SiteRequests: ...

    @property
    def bans(self) -> BanWatch: ...

    @property
    def archive_reading(self) -> ArchiveReading | None:
        """The look-ups in the web archive, for a road that reads one or a run that fills from it; else ``None``."""
        ...

    def parse(self, response: Response) -> Output:
        """The start page, of any kind."""
        ...

    def parse_article(self, response: Response) -> Output:
        """An article page, read and told as on every road."""
        ...


class Road:
    """A road of the crawl (see the module); this one asks for nothing: every road says its own first requests."""

    name: ClassVar[str] = ""
    arguments: ClassVar[tuple[str, ...]] = ()  # its -a arguments; giving one takes this road
    reads_whole_list: ClassVar[bool] = True  # a finished run may mark the walk complete
    follows_links: ClassVar[bool] = True  # the "More From" teasers and slices of its articles are followed
    archived: ClassVar[bool] = True  # its answers go to the crawl's own WARC archive
    reads_archive: ClassVar[bool] = False  # it reads a web archive's captures (VOK_ARCHIVE_*)
    steps: ClassVar[Mapping[str, Counts]] = {}  # its own pages, by name, and how a failure of each counts

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> Road:
        """The road for the spider's arguments (its own among them); :class:`BadConfiguration` if they are wrong."""
        return cls()

    def first_requests(self, routes: Routes) -> Iterator[Request]:
        """What the crawl asks first."""
        return iter(())

    def page(self, step: str, response: Response, routes: Routes) -> Output:
        """A page of the road's own, by the name of its step."""
        raise NotImplementedError(f"the {self.name} road has no step {step!r}")

    def failed(self, step: str, url: str, kind: str, routes: Routes) -> Iterable[Request]:
        """A page of the road's own failed for good (logged and counted already, as its step says): what it
        means to the road, told when called, and the requests that follow."""
        return ()

    def keeps(self, url: str, item: Article, routes: Routes) -> bool:
        """Whether the record of an article read on this road is written (the road's own judging of it)."""
        return True

    def layout_problems(self, counters: Mapping[str, Any]) -> list[str]:
        """Signs in the run's counters that the markup of the road's own pages is no longer understood."""
        return []

    def verdict(self, counters: Mapping[str, Any]) -> Verdict | None:
        """A finish reason of the road's own for the run so far, if its pages say it cannot go on well."""
        return None

    @classmethod
    def health(cls, counters: Mapping[str, Any]) -> dict[str, Any]:
        """The road's section of the health report, from the run's counters (in every run's report, the same
        shape on every road: zeros where another road ran)."""
        return {}
