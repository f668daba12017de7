"""Append-only files that a kill or a full disk must not spoil: the corpus, and the others like it.

:class:`vok_crawler.memory.CrawlMemory` owns the corpus; these are the
operations on its format (its repair, its URLs and lines), and the two ways
of writing that every file of the crawl uses: :func:`append_whole` (the
corpus, the changes log, the WARC archive) and :func:`write_durably` (the
state and health files). A process killed mid-write can leave a torn last
line. Appending after it would glue the next record onto the fragment, so
the file is repaired before anything is appended, and what was cut is logged.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)


def repair_torn_tail(path: Path) -> int:
    """Make the file end with a whole line; return how many bytes were cut.

    A last line without its newline is kept (and given one) if it is a whole
    JSON object, else cut: a record is only ever written with its newline.
    """
    if not path.exists():
        return 0
    with path.open("rb+") as corpus:
        size = corpus.seek(0, 2)
        if size == 0:
            return 0
        corpus.seek(max(0, size - 1))
        if corpus.read(1) == b"\n":
            return 0
        start = _last_line_start(corpus, size)
        corpus.seek(start)
        tail = corpus.read()
        try:
            json.loads(tail)
        except ValueError:
            corpus.truncate(start)
            logger.warning("Cut a torn last line (%d bytes) from %s", len(tail), path)
            return len(tail)
        corpus.write(b"\n")
        return 0


def _last_line_start(corpus: BinaryIO, size: int, chunk: int = 1 << 16) -> int:
    """Offset just past the last newline of the file (0 if there is none)."""
    end = size
    while end > 0:
        begin = max(0, end - chunk)
        corpus.seek(begin)
        found = corpus.read(end - begin).rfind(b"\n")
        if found != -1:
            return begin + found + 1
        end = begin
    return 0


# Every record this crawler writes begins so (the item's first field): its URL is read
# without parsing the line, which keeps the start of a crawl of a million records short.
_URL_FIRST = '{"url": "'


def corpus_urls(path: Path) -> set[str]:
    """The ``url`` of every record in the corpus; bad lines are logged, and left in the file."""
    return {url for url, _ in corpus_lines(path)}


def corpus_lines(path: Path) -> Iterator[tuple[str, str]]:
    """Each record's ``url`` and its line, in file order; bad lines are logged and not yielded.

    A byte-order mark is ignored; a line with bytes that are not UTF-8 is
    read with replacement characters (its URL is still known) and logged.
    """
    if not path.exists():
        return
    with path.open("rb") as corpus:
        for number, raw in enumerate(corpus, start=1):
            line = _decoded(raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw, number, path)
            url = _record_url(line, number, path)
            if url:
                yield url, line


def _decoded(raw: bytes, number: int, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        logger.warning("Line %d of %s is not UTF-8; read with replacement characters", number, path)
        return raw.decode("utf-8", errors="replace")


def _record_url(line: str, number: int, path: Path) -> str | None:
    if line.startswith(_URL_FIRST):
        end = line.find('"', len(_URL_FIRST))
        if end > 0 and "\\" not in line[:end]:
            return line[len(_URL_FIRST) : end]
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


def append_whole(fd: int, data: bytes) -> None:
    """Append ``data`` to the file at ``fd`` whole, or not at all.

    A write that fails partway (a full disk) is cut back to where it began,
    so the file still ends with a whole line, and the error is raised.
    """
    start = os.lseek(fd, 0, os.SEEK_END)
    written = 0
    try:
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError:
        os.ftruncate(fd, start)
        raise


def write_durably(path: Path, text: str) -> None:
    """Replace ``path`` atomically and durably: a kill or a power cut leaves the old or the new file."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
