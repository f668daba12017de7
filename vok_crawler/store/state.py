"""The state file beside a corpus (``vok.state.json``): what the last run left for the next one.

Did it walk the whole listing (``complete``); the articles to ask again
(``pending``, ``gated``), those gone or of another source (``skipped``) and
those linked on a host that is not the site's (``elsewhere``); what the walk
learned of the slices (``pagination``: the source id, the slice size, the
reading of ``to``); how many slices the last whole walk asked
(``full_walk_slices``); and how and when that run ended. The crawl writes it
(:class:`vok_crawler.crawl.memory.CrawlMemory`), ``scrapy report`` reads it;
both read it here, where its shape is checked.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, get_args

from vok_crawler.site.slices import Reading

logger = logging.getLogger(__name__)

URL_LISTS = ("pending", "gated", "skipped", "elsewhere")
READINGS = get_args(Reading)


def last_state(path: Path) -> dict[str, Any] | None:
    """The last run's state; ``None`` for none: no file (a first crawl, or one killed before it wrote any), or
    one this crawler did not write (logged). A file that cannot be read at all is ``OSError``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        state = valid_state(json.loads(raw.decode("utf-8-sig")))
    except ValueError:  # not JSON, or not UTF-8
        state = None
    if state is None:
        logger.warning(
            "State file %s is not a state this crawler wrote: taken as none (a crawl walks the whole listing)", path
        )
    return state


def valid_state(data: Any) -> dict[str, Any] | None:
    """The state file's content if it has the shape and types the crawl writes, else ``None``."""
    if not isinstance(data, dict) or not isinstance(data.get("complete"), bool):
        return None
    for key in URL_LISTS:
        urls = data.get(key, [])
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            return None
    walk = data.get("pagination", {})
    if not isinstance(walk, dict):
        return None
    if walk.get("source_id") is not None and not isinstance(walk["source_id"], str):
        return None
    if walk.get("slice_size") is not None and not isinstance(walk["slice_size"], int):
        return None
    if walk.get("to_reading", "unknown") not in READINGS:
        return None
    if data.get("full_walk_slices") is not None and not isinstance(data["full_walk_slices"], int):
        return None
    return data
