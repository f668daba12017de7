"""Roads as objects: chosen by name or by their own arguments (contradictions: tests/test_cli.py), and a road of one's own.

A road of the tests' own (``tests/index_road.py``, named by one line of
``VOK_ROADS``) reads lists of articles from a loopback host that is not the
site's, as an archive's index would be: its requests are neither dropped as
off the site nor judged by the site's redirect rules, and a list that fails
counts as the road says, not as a gap in the listing's walk.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import pytest_twisted
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.request import request_from_dict
from twisted.web.resource import Resource
from twisted.web.server import Request

from tests.conftest import comparable, crawl, expected_records, read_jsonl, serve
from tests.test_spider import ORIGIN, spider
from vok_crawler.crawl.roads import choose_road, road_classes
from vok_crawler.crawl.roads.listing import ListingRoad
from vok_crawler.crawl.roads.replay import ReplayRoad
from vok_crawler.crawl.roads.road import ROAD_STEP
from vok_crawler.crawl.roads.search import SearchRoad
from vok_crawler.errors import BadConfiguration

INDEX_ROAD = {"index": "tests.index_road.IndexRoad"}  # the one line that names a road of one's own
PERIOD = {"published_from": "2011-07-14", "published_to": "2011-07-17"}
# Three articles of the samples no gate hides, named by the index's list.
LISTED = (
    "/newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted/",
    "/newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex/",
    "/newstream/1770502400-381500816/spring-tree-planting-begins/",
)


def project(**roads: str | None) -> Settings:
    settings = get_project_settings()
    settings.set("VOK_ROADS", roads, priority="cmdline")
    return settings


def test_a_road_is_chosen_by_its_name_or_by_its_own_arguments(tmp_path):
    settings = project()
    assert list(road_classes(settings)) == ["listing", "search", "replay", "archive"]
    assert type(choose_road(settings, {})) is ListingRoad  # neither: the listing
    assert type(choose_road(settings, {"road": "listing", "_job": "j1"})) is ListingRoad  # Scrapyd's argument: none
    implied, named = choose_road(settings, PERIOD), choose_road(settings, {"road": "search", **PERIOD})
    assert isinstance(implied, SearchRoad) and isinstance(named, SearchRoad)
    assert implied.days.period == named.days.period and implied.days.period.first == date(2011, 7, 14)
    replay = choose_road(settings, {"replay": str(tmp_path)})
    assert isinstance(replay, ReplayRoad) and replay.directory == tmp_path
    assert isinstance(choose_road(settings, {"road": "replay", "replay": str(tmp_path)}), ReplayRoad)
    # What each road says of itself, where the spider used to ask "if period".
    assert (ListingRoad.reads_whole_list, ListingRoad.follows_links, ListingRoad.archived) == (True, True, True)
    assert (SearchRoad.reads_whole_list, SearchRoad.follows_links, SearchRoad.archived) == (False, False, True)
    assert (ReplayRoad.reads_whole_list, ReplayRoad.follows_links, ReplayRoad.archived) == (True, True, False)


def test_a_road_of_ones_own_is_one_line_and_one_can_be_taken_away():
    roads = road_classes(project(index="tests.index_road.IndexRoad", replay=None))
    assert list(roads) == ["listing", "search", "archive", "index"]
    assert type(choose_road(project(**INDEX_ROAD), {"index": "http://127.0.0.1:9/a"})).__name__ == "IndexRoad"
    with pytest.raises(BadConfiguration, match="setting VOK_ROADS: other must name a Road whose name is 'other'"):
        road_classes(project(other="tests.index_road.IndexRoad"))


def test_a_request_for_a_roads_own_page_goes_into_a_jobdir_queue_and_comes_back_to_the_road():
    """A road's page is routed by a spider method and a step's name: a request that JOBDIR writes to disk."""
    vok = spider(start_url=f"{ORIGIN}/article/163/", **PERIOD)
    [day] = vok.requests.road_pages([f"{ORIGIN}/?s=&source=190163&start=17-07-2011&end=17-07-2011"], "day")
    [own] = [vok.requests.own("http://127.0.0.1:9/lists/a", "list")]
    for request in (day, own):
        back = request_from_dict(request.to_dict(spider=vok), spider=vok)
        assert back.callback == vok.road_page and back.errback == vok.on_error
        assert back.meta[ROAD_STEP] == request.meta[ROAD_STEP]


class IndexHost(Resource):
    """A host of the road's own: lists of article URLs, one a line; a list asked without its slash is moved."""

    isLeaf = True

    def __init__(self, lists: dict[str, str]) -> None:
        super().__init__()
        self.lists = lists
        self.hits: Counter[str] = Counter()

    def render_GET(self, request: Request) -> bytes:
        path = request.path.decode()
        self.hits[path] += 1
        if path in self.lists:
            request.setHeader(b"Content-Type", b"text/plain; charset=utf-8")
            return self.lists[path].encode()
        if path + "/" in self.lists:  # a move on the road's own host: its to follow, not the site's to refuse
            request.setResponseCode(301)
            request.setHeader(b"Location", (path + "/").encode())
            return b""
        request.setResponseCode(404)
        return b"no such list"


@pytest_twisted.inlineCallbacks
def test_a_roads_own_host_is_asked_and_a_list_that_fails_is_the_roads_not_a_gap_in_the_walk(sample_server, tmp_path):
    origin = sample_server.origin
    corpus = tmp_path / "vok.jsonl"
    host = IndexHost({"/lists/a/": "".join(f"{origin}{path}\n" for path in LISTED)})
    with serve(host) as index:
        crawler = yield crawl(
            corpus, f"{origin}/article/163/", {"index": f"{index}/lists/a,{index}/lists/gone/"}, VOK_ROADS=INDEX_ROAD
        )
    assert crawler.stats.get_value("finish_reason") == "finished"
    expected = expected_records(origin)
    assert comparable(read_jsonl(corpus)) == comparable(expected[origin + path] for path in LISTED)
    assert host.hits == Counter({"/robots.txt": 1, "/lists/a": 1, "/lists/a/": 1, "/lists/gone/": 1})
    assert set(sample_server.resource.hits) == {"/robots.txt", *LISTED}  # the site: the articles listed, no listing
    health = json.loads(Path(tmp_path / "vok.health.json").read_text())
    assert health["road"] == "index" and health["index"] == {"lists_read": 1, "lists_failed": 1}
    assert health["search"] == {"days": 0, "teasers": 0, "full_days": [], "problems": []}  # every road's section
    assert health["errors"] == {"http_404": 1} and health["refusals"] == 0  # its own host refused nothing of the site's
    assert health["walk_problems"] == [] and health["layout_problems"] == []
    state = json.loads(Path(tmp_path / "vok.state.json").read_text())
    assert state["complete"] is False and state["pending"] == []  # a part of the list: the walk as it was
