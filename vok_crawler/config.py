"""Reading the values a user types (``-a name=value``, ``-s NAME=VALUE``), strictly.

A value the crawl cannot use is a :class:`~vok_crawler.errors.BadConfiguration`,
raised before any request: a typo such as ``refresh=ture`` must stop the run
with one clear line, not quietly mean "off".
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from vok_crawler.errors import BadConfiguration
from vok_crawler.urls import Aliases, host_names

SWITCH_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def switch(name: str, value: Any) -> bool:
    """An on/off argument: ``1``, ``true``, ``yes`` or ``0``, ``false``, ``no`` (any case)."""
    try:
        return SWITCH_VALUES[str(value).strip().lower()]
    except KeyError:
        raise BadConfiguration(f"{name} must be one of {'/'.join(SWITCH_VALUES)}, not {value!r}") from None


def seconds_setting(settings: BaseSettings, name: str) -> float:
    """A setting that is a non-negative number of seconds."""
    value = settings.get(name)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise BadConfiguration(f"setting {name} must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise BadConfiguration(f"setting {name} must not be negative, not {value!r}")
    return seconds


def has_session(settings: BaseSettings) -> bool:
    """Whether the run was given a subscriber's session: a cookies file, or a browser profile.

    The one definition for every rule of a session: the gated articles of past
    runs are asked for again (:class:`~vok_crawler.memory.CrawlMemory`), a gate
    met is the session's failure to open it (:class:`~vok_crawler.session.SessionWatch`,
    :class:`~vok_crawler.reading.ArticleReader`).
    """
    return bool(settings.get("VOK_COOKIES_FILE") or settings.get("VOK_BROWSER_PROFILE"))


def host_aliases(settings: BaseSettings) -> Aliases:
    """``VOK_HOST_ALIASES``: the site's other host names (``host[:port]``, space- or comma-separated, or a list)."""
    value = settings.get("VOK_HOST_ALIASES") or ""
    text = value if isinstance(value, str) else " ".join(map(str, value))
    try:
        return host_names(text)
    except ValueError as error:
        raise BadConfiguration(
            f"setting VOK_HOST_ALIASES must list host names as host[:port], space- or comma-separated: {error} is not one"
        ) from None
