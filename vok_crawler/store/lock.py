"""One crawl per corpus: an OS lock beside it (``vok.lock``), which the kernel releases when the process dies."""

from __future__ import annotations

import fcntl
import os
from typing import IO

from vok_crawler.errors import CorpusLocked
from vok_crawler.store.paths import CorpusFiles


def take_lock(files: CorpusFiles) -> IO[str]:
    """The corpus's lock, held until the file is closed; :class:`CorpusLocked`, naming the holder, if another has it."""
    lock = files.lock.open("a+", encoding="utf-8")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise CorpusLocked(f"{files.corpus} is being crawled by {holder}: one crawl per corpus at a time") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"process {os.getpid()}\n")
    lock.flush()
    return lock
