"""The replay road (``-a replay=DIR``): the listing road, every answer read from a WARC archive, none fetched.

The same routing, page objects, loaders and pipelines run on the archived
responses, so a corrected extraction rule re-derives the corpus without
asking the site for a single page. The answers are the archive's
(:class:`~vok_crawler.crawl.replay.ReplayMiddleware`, which serves this road
alone), so they are not archived again.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vok_crawler import stats
from vok_crawler.crawl.roads.listing import ListingRoad
from vok_crawler.errors import BadConfiguration


class ReplayRoad(ListingRoad):
    """The listing road over an archive folder: ``directory``, whose latest capture of each URL answers it."""

    name = "replay"
    arguments = ("replay",)
    archived = False

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> ReplayRoad:
        replay = arguments.get("replay")
        if not replay or not Path(str(replay)).is_dir():
            raise BadConfiguration(f"replay must name an archive directory, and {replay!r} is none")
        return cls(Path(str(replay)))

    @classmethod
    def health(cls, counters: Mapping[str, Any]) -> dict[str, Any]:
        """``replay``: the URLs the archive holds, and the requests it answered (hits) and could not (misses)."""
        return {
            "replay": {
                "urls_in_archive": counters.get(stats.REPLAY_URLS, 0),
                "hits": counters.get(stats.REPLAY_HIT, 0),
                "misses": counters.get(stats.REPLAY_MISS, 0),
            }
        }
