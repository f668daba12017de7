"""The corpus: one crawl at a time, each record appended whole, each URL once.

:class:`CorpusStore` opens a corpus as a crawl needs it: the lock first
(:mod:`vok_crawler.store.lock`), a torn last line cut
(:func:`vok_crawler.store.durable.repair_torn_tail`), its URLs known
(:class:`vok_crawler.store.index.CorpusIndex`); then each record is appended
in one unbuffered write (:func:`vok_crawler.store.durable.append_whole`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from vok_crawler.errors import CannotStart
from vok_crawler.store.durable import append_whole, repair_torn_tail
from vok_crawler.store.index import CorpusIndex, as_is
from vok_crawler.store.index_file import IndexFile
from vok_crawler.store.lock import take_lock
from vok_crawler.store.paths import CorpusFiles


class CorpusStore:
    """The corpus file and its lock: one crawl per corpus, each record appended whole, each URL once.

    Opening it takes the lock before anything is read (another crawl holding
    it is :class:`~vok_crawler.errors.CorpusLocked`), cuts a torn last
    line (:attr:`cut`) and loads the URLs. Without a path it writes nothing
    and still keeps one record per URL.
    """

    def __init__(self, path: Path | None, same_page: Callable[[str], str] = as_is) -> None:
        self.path = path
        self.files = CorpusFiles(path) if path is not None else None
        self.urls = CorpusIndex(None)
        self.cut = 0
        self._lock: IO[str] | None = None
        self._fd: int | None = None
        if self.files is not None:
            try:
                self.files.corpus.parent.mkdir(parents=True, exist_ok=True)
                self._lock = take_lock(self.files)
                self.cut = repair_torn_tail(self.files.corpus)
                self.urls = CorpusIndex(self.files.corpus, same_page, IndexFile(self.files.index))
            except OSError as error:  # a full disk, a read-only folder: before any request
                raise CannotStart(f"cannot start on {error.filename or path}: {error.strerror or error}") from None

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
        """Flush to the disk and close, then save the index (``OSError`` if the flush failed; closed all the same).

        The index is saved after the corpus is flushed: it never holds a
        byte the disk may not have.
        """
        self.urls.close()
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.urls.save()

    def release(self) -> None:
        """Let the next crawl in (after every file of this one is written)."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None
