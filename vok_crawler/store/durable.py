"""Writes that a kill or a full disk must not spoil: whole lines appended, files replaced atomically.

Two ways of writing serve every file beside a corpus: :func:`append_whole`
(the corpus, the changes log, the health history, the WARC archive: each
line or record in one unbuffered write, cut back if a full disk fails it
partway) and :func:`write_durably` (the state and health files, the saved
index, the report: the old file or the new one, never half of either). A
process killed mid-append can still leave a torn last line; appending after
it would glue the next line onto the fragment, so an appended file is
repaired first (:func:`repair_torn_tail`), and what was cut is logged.
"""

from __future__ import annotations

import json
import logging
import os
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


def write_durably(path: Path, data: str | bytes) -> None:
    """Replace ``path`` atomically and durably: a kill or a power cut leaves the old or the new file."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def append_line(path: Path, line: str) -> None:
    """Append one line to the file at ``path`` (made if missing), whole or not at all; a torn last line cut first.

    For a history written once a run (``vok.health.jsonl``); ``OSError`` when it cannot be written.
    """
    repair_torn_tail(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        append_whole(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
