"""The URLs of a corpus in 8 bytes a record (:class:`CorpusIndex`).

A crawl starts by learning which articles its corpus holds. A set of a
million URL strings would take some 150 MB; the index keeps a sorted array
of (URL hash, line offset) keys, each confirmed by reading its line back,
and has them saved beside the corpus (``vok.index``,
:mod:`vok_crawler.store.index_file`) so that the next start reads only the
lines added since.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TypeVar

from vok_crawler.store.index_file import CHUNK, Extent, IndexFile
from vok_crawler.store.lines import BOM, URL_FIRST_BYTES, corpus_lines, decoded_line, record_url

logger = logging.getLogger(__name__)
_S = TypeVar("_S")

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
            read = corpus.read(CHUNK)
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
