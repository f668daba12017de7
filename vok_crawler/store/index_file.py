"""The corpus's index saved beside it (``vok.index``): its format, and the check that it still holds the corpus.

A header (little-endian) names the format, the part of the corpus the keys
were read from (:class:`Extent`) and the keys' crc32; then the sorted keys
of :class:`vok_crawler.store.index.CorpusIndex`.
"""

from __future__ import annotations

import logging
import os
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

from vok_crawler.store.durable import write_durably

logger = logging.getLogger(__name__)

CHUNK = 1 << 20  # how much of a corpus is read at a time: small enough that its copies weigh nothing beside the keys


@dataclass(frozen=True)
class Extent:
    """How much of its corpus an index holds: the first ``length`` bytes, their ``lines`` and their crc32."""

    length: int = 0
    lines: int = 0
    crc: int = 0


# The saved index: this header (little-endian), then the sorted keys in the byte order the magic names.
_MAGIC = f"vokidx-{sys.byteorder[0]}".encode()
_VERSION = 1
_HEADER = struct.Struct("<8sIQQIQI")  # magic, version, the extent (length, lines, crc), keys, the keys' crc32


class IndexFile:
    """The corpus's keys saved beside it (``vok.index``): a start reads only the lines added after them.

    They are used only if the corpus still begins with the very bytes they
    were read from: the saved length is at most the corpus's and the crc32
    of the corpus's first ``length`` bytes is the saved one. Else (an edit,
    a dedupe, a cut, another corpus of the same size) they are not used and
    the whole corpus is read, as without them: a stale index can only cost
    time, never make a known article unknown. The crc32 of the whole prefix
    is the check because a cheaper one is not safe: size and time miss an
    edit of the same length, and a sample of blocks misses one between
    them. It costs some 0.7 s of CPU for a million records (1.25 GB, zlib's
    C loop), where reading their keys costs some 5 s. A missing, unreadable
    or damaged file is never an error: the corpus is read whole and why is
    logged.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, corpus: Path) -> tuple[array[int], Extent] | None:
        """The saved keys and what they hold, if they hold the beginning of the corpus as it is now; else None."""
        read = self._read(corpus)
        if isinstance(read, str):
            logger.info("Reading the whole corpus %s: its index %s is not used, %s", corpus, self.path, read)
            return None
        return read

    def _read(self, corpus: Path) -> tuple[array[int], Extent] | str:
        """The saved keys and what they hold, or why they cannot be used."""
        keys = array("Q")
        try:
            with self.path.open("rb") as file:
                header = file.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    return "it is truncated"
                magic, version, length, lines, crc, count, keys_crc = _HEADER.unpack(header)
                if (magic, version) != (_MAGIC, _VERSION):
                    return "it is of another format"
                if os.fstat(file.fileno()).st_size != _HEADER.size + keys.itemsize * count:
                    return "it is truncated (or longer than its keys)"
                keys.fromfile(file, count)
        except FileNotFoundError:
            return "there is none yet"
        except OSError as error:
            return f"it cannot be read ({error.strerror or error})"
        if zlib.crc32(keys) != keys_crc:
            return "it is damaged"
        if length > corpus.stat().st_size or _crc_of(corpus, length) != crc:
            return "the corpus changed since it was saved (edited, cut or replaced)"
        return keys, Extent(length, lines, crc)

    def save(self, extent: Extent, keys: array[int]) -> None:
        """Replace the file atomically and durably; a failure is logged, not raised: the next start reads the whole corpus."""
        header = _HEADER.pack(_MAGIC, _VERSION, extent.length, extent.lines, extent.crc, len(keys), zlib.crc32(keys))
        logger.info("Saving the index of the corpus to %s (%d URLs)", self.path, len(keys))
        try:
            write_durably(self.path, header + keys.tobytes())
        except OSError as error:
            logger.warning("Could not save the corpus index %s: %s", self.path, error.strerror or error)


def _crc_of(path: Path, length: int) -> int:
    """The crc32 of the file's first ``length`` bytes."""
    crc = 0
    with path.open("rb") as file:
        while length > 0 and (block := file.read(min(CHUNK, length))):
            crc = zlib.crc32(block, crc)
            length -= len(block)
    return crc
