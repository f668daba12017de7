"""Reading the values a user types (``-a name=value``, ``-s NAME=VALUE``), strictly.

A value the crawl cannot use is a :class:`~vok_crawler.errors.BadConfiguration`,
raised before any request: a typo such as ``refresh=ture`` must stop the run
with one clear line, not quietly mean "off".
"""

from __future__ import annotations

import math
import re
from typing import Any

from scrapy.settings import BaseSettings

from vok_crawler.errors import BadConfiguration
from vok_crawler.site.archive_index import WebArchive
from vok_crawler.site.urls import Aliases, host_names

SWITCH_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
# A number as a user types it: the digits 0 to 9, a sign, a decimal point; no exponent, no other script's digits.
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def switch(name: str, value: Any) -> bool:
    """An on/off argument: ``1``, ``true``, ``yes`` or ``0``, ``false``, ``no`` (any case)."""
    try:
        return SWITCH_VALUES[str(value).strip().lower()]
    except KeyError:
        raise BadConfiguration(f"{name} must be one of {'/'.join(SWITCH_VALUES)}, not {value!r}") from None


def whole_number(name: str, value: Any, what: str, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number the user typed (``-a``, ``-s``, a command's option): the ASCII digits 0 to 9 and nothing
    else, from ``minimum`` to ``maximum`` (no end when ``None``).

    ``str.isdigit`` says yes to ``²`` and to Arabic-Indic digits, which
    ``int`` then refuses (a traceback) or reads as a number (``١٢`` is 12):
    neither is a number a user means here. ``what`` says what the number is
    in the error (``a number of days``).
    """
    text = str(value).strip()
    number = int(text) if not isinstance(value, bool) and text.isascii() and text.isdigit() else None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise BadConfiguration(f"{name} must be {what}, not {value!r}")
    return number


def whole_number_setting(settings: BaseSettings, name: str, minimum: int = 1) -> int:
    """A setting that is a whole number, ``minimum`` or more (:func:`whole_number`)."""
    return whole_number(f"setting {name}", settings.get(name), f"a whole number of {minimum} or more", minimum)


def decimal_setting(settings: BaseSettings, name: str, what: str) -> float:
    """A setting that is a finite number, as Python wrote it or as a user types it (ASCII, no exponent)."""
    value = settings.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value.strip()):
        raise BadConfiguration(f"setting {name} must be {what}, not {value!r}")
    return float(value)


def seconds_setting(settings: BaseSettings, name: str) -> float:
    """A setting that is a non-negative number of seconds."""
    seconds = decimal_setting(settings, name, "a number of seconds")
    if seconds < 0:
        raise BadConfiguration(f"setting {name} must not be negative, not {settings.get(name)!r}")
    return seconds


def share_setting(settings: BaseSettings, name: str) -> float:
    """A setting that is a share, from 0 to 1."""
    share = decimal_setting(settings, name, "a share from 0 to 1")
    if not 0 <= share <= 1:
        raise BadConfiguration(f"setting {name} must be a share from 0 to 1, not {settings.get(name)!r}")
    return share


def has_session(settings: BaseSettings) -> bool:
    """Whether the run was given a subscriber's session: a cookies file, or a browser profile.

    The one definition for every rule of a session: the gated articles of past
    runs are asked for again (:class:`~vok_crawler.crawl.memory.CrawlMemory`), a gate
    met is the session's failure to open it (:class:`~vok_crawler.crawl.session.Gates`,
    :class:`~vok_crawler.crawl.reading.ArticleReader`).
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


def web_archive(settings: BaseSettings) -> WebArchive:
    """``VOK_ARCHIVE_CDX``, ``VOK_ARCHIVE_REPLAY`` and ``VOK_ARCHIVE_WARC``: where the web archive the crawl reads is."""
    try:
        return WebArchive.from_settings(
            str(settings.get("VOK_ARCHIVE_CDX") or ""),
            str(settings.get("VOK_ARCHIVE_REPLAY") or ""),
            str(settings.get("VOK_ARCHIVE_WARC") or ""),
        )
    except ValueError as error:
        raise BadConfiguration(str(error)) from None
