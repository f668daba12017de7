"""The roads a crawl may take, each a module of this package, named in the setting ``VOK_ROADS``.

A road is chosen by its name (``-a road=search``) or by its own arguments
(``-a published_from=... -a published_to=...`` take the search road,
``-a replay=DIR`` the replay road); with neither, the crawl walks the
listing. Arguments of two roads, or a road named beside another's
arguments, are a contradiction: one ``Error:`` line, exit status 2.

A new road is a module here (a :class:`~vok_crawler.crawl.roads.road.Road`)
and one line of ``VOK_ROADS_BASE`` in the settings that names it; a
project's own road goes into ``VOK_ROADS``, as Scrapy's components do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from vok_crawler.crawl.roads.road import Road
from vok_crawler.errors import BadConfiguration

DEFAULT_ROAD = "listing"  # the road of a crawl given neither -a road= nor another road's arguments
ROAD_ARGUMENT = "road"


def road_classes(settings: BaseSettings) -> dict[str, type[Road]]:
    """Every road of the project by its name, from ``VOK_ROADS_BASE`` and ``VOK_ROADS`` (``None`` takes one away)."""
    roads: dict[str, type[Road]] = {}
    for name, path in settings.getwithbase("VOK_ROADS").items():
        if path is None:
            continue
        road = load_object(path) if isinstance(path, str) else path
        if not (isinstance(road, type) and issubclass(road, Road)) or road.name != name:
            raise BadConfiguration(f"setting VOK_ROADS: {name} must name a Road whose name is {name!r}, not {path!r}")
        roads[name] = road
    return roads


def choose_road(settings: BaseSettings, arguments: Mapping[str, Any]) -> Road:
    """The road the spider's arguments take, made from them (see the module)."""
    roads = road_classes(settings)
    given = {name: [arg for arg in road.arguments if arg in arguments] for name, road in roads.items()}
    given = {name: args for name, args in given.items() if args}  # the roads whose arguments were given
    named = arguments.get(ROAD_ARGUMENT)
    if named is None and len(given) > 1:
        spelled = ", ".join(f"{' and '.join(args)} ({name})" for name, args in given.items())
        raise BadConfiguration(f"arguments of {len(given)} roads were given, {spelled}: give one road's")
    name = str(named) if named is not None else next(iter(given), DEFAULT_ROAD)
    if name not in roads:
        raise BadConfiguration(f"road must be one of {', '.join(roads)}, not {name!r}")
    for other, args in given.items():
        if other != name:
            raise BadConfiguration(
                f"{' and '.join(args)} {'is' if len(args) == 1 else 'are'} the {other} road's, not the {name} "
                f"road's: give -a road={other}, or leave {'it' if len(args) == 1 else 'them'} out"
            )
    return roads[name].from_arguments(arguments)
