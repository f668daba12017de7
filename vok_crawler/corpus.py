"""Append-only files that a kill or a full disk must not spoil: the corpus, and the others like it.

:class:`CorpusStore` is the corpus with its lock; beside it are the
operations on its format (its repair, its URLs and lines), and the two ways
of writing that every file of the crawl uses: :func:`append_whole` (the
corpus, the changes log, the WARC archive) and :func:`write_durably` (the
state and health files). A process killed mid-write can leave a torn last
line. Appending after it would glue the next record onto the fragment, so
the file is repaired before anything is appended, and what was cut is logged.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from vok_crawler.errors import BadConfiguration

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


class CorpusStore:
    """The corpus file and its lock: one crawl per corpus, each record appended whole, each URL once.

    Opening it takes the lock before anything is read (another crawl holding
    it is a :class:`~vok_crawler.errors.BadConfiguration`), cuts a torn last
    line (:attr:`cut`) and loads the URLs. Without a path it writes nothing
    and still keeps one record per URL.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.urls: set[str] = set()
        self.cut = 0
        self._lock: IO[str] | None = None
        self._fd: int | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = take_lock(path.with_name(f"{path.stem}.lock"), path)
            self.cut = repair_torn_tail(path)
            self.urls = corpus_urls(path)

    def sibling(self, kind: str) -> Path:
        """A file beside the corpus: ``vok.<kind>.json`` for ``vok.jsonl``."""
        assert self.path is not None
        return self.path.with_name(f"{self.path.stem}.{kind}.json")

    def open(self) -> None:
        """Ready to append (when the crawl starts)."""
        if self.path is not None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, url: str, line: str) -> bool:
        """Append a record's line unless the corpus has its URL; whether it was written.

        The line goes to the file whole or not at all (``OSError`` when it cannot).
        """
        if url in self.urls:
            return False
        if self._fd is not None:
            append_whole(self._fd, line.encode("utf-8"))
        self.urls.add(url)
        return True

    def close(self) -> None:
        """Flush to the disk and close (``OSError`` if the flush failed; closed all the same)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def release(self) -> None:
        """Let the next crawl in (after every file of this one is written)."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None


def take_lock(path: Path, corpus: Path) -> IO[str]:
    """One crawl per corpus: an OS lock, released by the kernel when the process dies."""
    lock = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise BadConfiguration(f"{corpus} is being crawled by {holder}: one crawl per corpus at a time") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"process {os.getpid()}\n")
    lock.flush()
    return lock
