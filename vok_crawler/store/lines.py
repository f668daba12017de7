"""The corpus's line format: one JSON record a line, its URL first, read back without parsing the line.

Every record this crawler writes begins with its ``url`` (the item's first
field), so its URL is read from the line's start: the one reading of a
record's URL for the corpus's index and every pass over the corpus (the
revisits, ``scrapy report``, ``scrapy export``). A line written otherwise is
parsed; one that is no record is logged and left as it is. The JSON Lines
files beside the corpus are read here too (:func:`json_lines`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Every record this crawler writes begins so (the item's first field): its URL is read
# without parsing the line, which keeps the start of a crawl of a million records short.
URL_FIRST = '{"url": "'
URL_FIRST_BYTES = URL_FIRST.encode()
BOM = b"\xef\xbb\xbf"


def corpus_lines(path: Path) -> Iterator[tuple[str, str]]:
    """Each record's ``url`` and its line, in file order; bad lines are logged and not yielded.

    A byte-order mark is ignored; a line with bytes that are not UTF-8 is
    read with replacement characters (its URL is still known) and logged.
    """
    if not path.exists():
        return
    with path.open("rb") as corpus:
        for number, raw in enumerate(corpus, start=1):
            line = decoded_line(raw.removeprefix(BOM) if number == 1 else raw, number, path)
            url = record_url(line, number, path)
            if url:
                yield url, line


def decoded_line(raw: bytes, number: int, path: Path) -> str:
    """The line as text; one that is not UTF-8 is logged and read with replacement characters."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        logger.warning("Line %d of %s is not UTF-8; read with replacement characters", number, path)
        return raw.decode("utf-8", errors="replace")


def record_url(line: str, number: int, path: Path) -> str | None:
    """The record's ``url``: from the line's start when it is plain, else parsed; ``None`` (logged) for no record."""
    if line.startswith(URL_FIRST):
        end = line.find('"', len(URL_FIRST))
        if end > 0 and "\\" not in line[:end]:
            return line[len(URL_FIRST) : end]
    if not line.strip():
        return None
    try:
        url = json.loads(line)["url"]
    except (ValueError, KeyError, TypeError):
        url = None
    if not isinstance(url, str):
        logger.warning("Line %d of %s is not a record; left as it is", number, path)
        return None
    return url


def json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file beside the corpus (its changes, its health history), if it exists.

    A line that is none (torn by a kill, edited) is logged and left out: the reader goes on with the rest.
    """
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if isinstance(value, dict):
                yield value
            elif line.strip():
                logger.warning("Line %d of %s is not a JSON object; left out", number, path)
