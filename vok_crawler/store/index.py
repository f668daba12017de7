"""The URLs of a corpus in 8 bytes a record (:class:`CorpusIndex`), and their file beside it (:class:`IndexFile`).

A crawl starts by learning which articles its corpus holds. A set of a
million URL strings would take some 150 MB; the index keeps a sorted array
of (URL hash, line offset) keys, each confirmed by reading its line back,
and saves them beside the corpus (``vok.index``,
:attr:`vok_crawler.store.paths.CorpusFiles.index`) so that the next start
reads only the lines added since.
"""

from __future__ import annotations

import io
import logging
import os
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from vok_crawler.store.durable import write_durably
from vok_crawler.store.lines import BOM, URL_FIRST_BYTES, corpus_lines, decoded_line, record_url

logger = logging.getLogger(__name__)
_S = TypeVar("_S")

_CHUNK = 1 << 20  # small enough that its copies weigh nothing beside the keys
_HASH_BITS = 24  # of a key: the URL's hash, then its line's offset (files up to 2**40 bytes)
_OFFSET_BITS = 64 - _HASH_BITS


def _url_hash(url: bytes) -> int:
    """The hash of the page a URL names: its path and query, so that the site's other host names hash alike."""
    return zlib.crc32(_page_part(url)) >> (32 - _HASH_BITS)


def _page_part(url: bytes) -> bytes:
    """What follows a URL's host (``/newstream/...``); the whole string when it has no scheme."""
    host = url.find(b"://")
    if host < 0:
        return url
    path = url.find(b"/", host + 3)
    return url[path:] if path >= 0 else b""


def as_is(url: str) -> str:
    return url


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
        while length > 0 and (block := file.read(min(_CHUNK, length))):
            crc = zlib.crc32(block, crc)
            length -= len(block)
    return crc


class CorpusIndex(AbstractSet[str]):
    """The URLs of the corpus, in 8 bytes a record: a sorted array of (URL hash, line offset) keys.

    A set of a million URL strings takes some 150 MB; this takes 8. A key
    whose hash matches is confirmed by reading that line's URL back from the
    file, so a URL is known only if a record really has it: no false
    "known". ``same_page`` spells a stored URL as the crawl does (a record
    that a run on another of the site's names wrote is the same article);
    the hash is of the path, so both spellings meet. URLs written during
    the run are kept as they are, in a set.
    A set of URLs minus the index (``pending - index``) asks the index about
    each URL of the set, never reads the file through.
    """

    @classmethod
    def _from_iterable(cls, urls: Iterable[_S]) -> AbstractSet[_S]:
        return set(urls)

    def __init__(
        self, path: Path | None, same_page: Callable[[str], str] = as_is, saved: IndexFile | None = None
    ) -> None:
        self.path = path
        self.same_page = same_page
        self._added: set[str] = set()
        self._fd: int | None = None
        self._saved = saved
        loaded = saved.load(path) if saved is not None and path is not None and path.exists() else None
        self._keys, self.extent = loaded or (array("Q"), Extent())
        self._saved_extent = self.extent if loaded else None
        # The lines read to know the corpus: all of them, or only those after what the saved index holds.
        self.lines_read = self._catch_up()

    def __len__(self) -> int:
        return len(self._keys) + len(self._added)

    def __iter__(self) -> Iterator[str]:
        """Every URL (the file read again: for the rare caller that needs them all)."""
        seen = (
            {self.same_page(url) for url, _ in corpus_lines(self.path)}
            if self.path is not None and self._keys
            else set()
        )
        yield from seen | self._added

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        if url in self._added:
            return True
        wanted = url.encode("utf-8")
        first = _url_hash(wanted) << _OFFSET_BITS
        index = bisect_left(self._keys, first)
        while index < len(self._keys) and self._keys[index] >> _OFFSET_BITS == first >> _OFFSET_BITS:
            stored = self._url_at(self._keys[index] & ((1 << _OFFSET_BITS) - 1))
            if stored is not None and self.same_page(stored) == url:
                return True
            index += 1
        return False

    def add(self, url: str) -> None:
        self._added.add(url)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def save(self) -> None:
        """Save the keys of the whole corpus beside it, for the next start (unless what is saved holds them all)."""
        if self._saved is None:
            return
        self._catch_up()
        self._added.clear()  # the lines this run wrote are read: their URLs are keys now, not to be counted twice
        if self.extent != self._saved_extent:
            self._saved.save(self.extent, self._keys)
            self._saved_extent = self.extent

    def _catch_up(self) -> int:
        """Add the keys of the lines after :attr:`extent` (all lines the first time); how many lines were read."""
        if self.path is None or not self.path.exists():
            return 0
        keys = array("Q")
        length, lines, crc = self.extent.length, self.extent.lines, self.extent.crc
        for start, chunk in _chunks(self.path, length):
            lines += _add_keys(keys, self.path, chunk, start, lines)
            crc = zlib.crc32(chunk, crc)
            length = start + len(chunk)
        self._keys = _merged(self._keys, array("Q", sorted(keys)))
        read, self.extent = lines - self.extent.lines, Extent(length, lines, crc)
        return read

    def _url_at(self, offset: int) -> str | None:
        assert self.path is not None, "only a corpus file has keys"
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        line = b""
        while not line.endswith(b"\n"):
            more = os.pread(self._fd, 1 << 16, offset + len(line))
            if not more:
                break
            line += more.partition(b"\n")[0] + (b"\n" if b"\n" in more else b"")
        text = (line.removeprefix(BOM) if offset == 0 else line).decode("utf-8", errors="replace")
        return record_url(text, 0, self.path)


def _merged(keys: array[int], more: array[int]) -> array[int]:
    """Two sorted arrays of keys as one sorted array, without a Python object a key.

    In time linear in ``keys`` (copied by slices, at C speed) and a bisection
    for each of ``more``, the few lines the last run added: some ms for a
    million keys where sorting them again takes more than a second.
    """
    if not keys or not more:
        return keys or more
    merged, done = array("Q"), 0
    for key in more:
        at = bisect_left(keys, key, done)
        merged += keys[done:at]
        merged.append(key)
        done = at
    merged += keys[done:]
    return merged


def _chunks(path: Path, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """The file from ``start`` (a line's start) in large pieces of whole lines, each with its offset."""
    rest = b""
    with path.open("rb") as corpus:
        corpus.seek(start)
        while True:
            read = corpus.read(_CHUNK)
            chunk = rest + read
            if not chunk:
                return
            cut = chunk.rfind(b"\n") + 1 if read else len(chunk)  # at the end, the last line even without its newline
            if cut == 0:  # a line longer than a chunk: read on
                rest = chunk
                continue
            whole, rest = chunk[:cut], chunk[cut:]
            yield start, whole
            start += len(whole)


def _add_keys(keys: array[int], path: Path, chunk: bytes, start: int, number: int) -> int:
    """Add the keys of a chunk's records (after ``number`` lines); its number of lines.

    By the quick reading when every line allows it, else line by line.
    """
    mark = len(keys)
    if (start > 0 or not chunk.startswith(BOM)) and _is_utf8(chunk) and _plain_keys(keys, chunk, start):
        return len(keys) - mark  # one record a line
    del keys[mark:]
    offset = line_number = 0
    for line_number, raw in enumerate(io.BytesIO(chunk), start=number + 1):
        line = decoded_line(raw.removeprefix(BOM) if line_number == 1 else raw, line_number, path)
        url = record_url(line, line_number, path)
        if url:
            keys.append((_url_hash(url.encode("utf-8")) << _OFFSET_BITS) | (start + offset))
        offset += len(raw)
    return line_number - number


def _plain_keys(keys: array[int], chunk: bytes, start: int) -> bool:
    """Append the key of each line that begins with its plain URL (as this crawler writes); False at any other line.

    The one loop over every record at a start without the saved index: C calls only.
    A URL is plain when it is ASCII without an escape (the canonical URLs
    this crawler writes are); any other line is read by the slow way.
    """
    find, starts, append, crc32 = chunk.find, chunk.startswith, keys.append, zlib.crc32
    first, shift, pos, size = len(URL_FIRST_BYTES), 32 - _HASH_BITS, 0, len(chunk)
    while pos < size:
        end = find(b"\n", pos)
        end = size if end < 0 else end
        quote = find(b'"', pos + first, end)
        url = chunk[pos + first : quote]
        if quote < 0 or not starts(URL_FIRST_BYTES, pos) or b"\\" in url or not url.isascii():
            return False
        host = find(b"://", pos + first, quote)  # the hash is of the page's path (see _page_part)
        path = find(b"/", host + 3, quote) if host >= 0 else pos + first
        append((crc32(chunk[path:quote] if path >= 0 else b"") >> shift << _OFFSET_BITS) | (start + pos))
        pos = end + 1
    return True


def _is_utf8(chunk: bytes) -> bool:
    if chunk.isascii():  # as quick as a scan gets
        return True
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
