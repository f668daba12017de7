"""WARC 1.1 files: the crawl's captures written, and read back.

The records of a fetch are the crawl's to make
(:mod:`vok_crawler.crawl.warc_records`); their files are kept here. Written with warcio, the web-archiving community's library (pywb and
Browsertrix read and write with it), one gzip member per record, so that any
WARC tool reads the files and a record can be found again by its offset.

A record is serialized to memory first and appended to its file in one
unbuffered write (:func:`vok_crawler.store.durable.append_whole`, cut back if a full
disk fails it partway): a ``kill -9`` leaves whole records, and at worst (a
power cut, a write the kernel left short) one torn gzip member at the end.
:func:`iter_archive` checks each member for its gzip trailer (which carries
the CRC and length), so a torn tail is skipped and logged, never read as a
short record.

``python -m vok_crawler.store.warc DIR`` lists the captures of an archive, the
date and URL of each; a folder that is not there is one ``Error:`` line and
exit status 2, as for the project's commands, never an empty list.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import zlib
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from vok_crawler import stats
from vok_crawler.store.durable import append_whole
from vok_crawler.store.secrets import SECRET_HEADERS

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
SUFFIX = ".warc.gz"
# Secrets of the user or the site's session: never archived, whatever the crawl sends or gets.
REDACTED_HEADERS = SECRET_HEADERS
_CHUNK = 1 << 20


class WarcFiles:
    """The WARC files of one run in one directory, each opened by a ``warcinfo`` record.

    Named by the UTC time they were opened, the process and a serial number
    (``vok-20261124T101500Z-4242-000.warc.gz``; the serial goes up past a
    name taken), so that runs never share or overwrite a file. A file
    reaching ``max_bytes`` is closed and the next record opens a new one.
    Nothing is created until the first record.
    """

    def __init__(self, directory: Path, max_bytes: int, info: dict[str, str]) -> None:
        """``info``: the crawl's fields of the ``warcinfo`` record; those of the format are added."""
        self.directory = directory
        self.max_bytes = max_bytes
        self.info = {
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **info,
            "redacted-headers": ", ".join(sorted(REDACTED_HEADERS)),
            "payload": "as received: Content-Encoding kept; chunked Transfer-Encoding removed, with its header",
        }
        self.fd: int | None = None
        self.size = 0
        self.serial = 0
        self.paths: list[Path] = []

    def write(self, records: Iterable[ArcWarcRecord]) -> int:
        """Append the records in one piece; return the bytes written. ``OSError`` if they could not be."""
        if self.fd is None:
            self._open()
        written = self._append(_serialize(records))
        if self.size >= self.max_bytes:
            self.close()
        return written

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        while self.fd is None:  # two crawls of one process may open a file in the same second
            path = self.directory / f"vok-{stamp}-{os.getpid()}-{self.serial:03d}{SUFFIX}"
            self.serial += 1
            try:
                self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:
                continue
        self.paths.append(path)
        self.size = 0
        builder = WARCWriter(None, gzip=True, warc_version=WARC_VERSION)
        self._append(_serialize([builder.create_warcinfo_record(path.name, self.info)]))
        logger.info("Archiving the responses to %s", path)

    def _append(self, blob: bytes) -> int:
        assert self.fd is not None, "opened by write()"
        append_whole(self.fd, blob)
        self.size += len(blob)
        return len(blob)


def _serialize(records: Iterable[ArcWarcRecord]) -> bytes:
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version=WARC_VERSION)
    for record in records:
        writer.write_record(record)
    return buffer.getvalue()


@dataclass
class Stored:
    """A record read back, and where its gzip member starts (to read it again)."""

    path: Path
    offset: int
    record: ArcWarcRecord


def iter_archive(
    directory: Path, counters: stats.Counters | None = None, http_headers: bool = True
) -> Iterator[Stored]:
    """Every whole record of the ``*.warc.gz`` files of ``directory``, file by file in name order.

    The records' streams are readable until the next one is asked for. A
    file's torn or unreadable end is skipped with a warning (and counted in
    ``counters`` as ``vok/archive/torn_tails``); the records before it are all read. Without
    ``http_headers`` the HTTP headers are not parsed (half the time, when
    only the WARC headers are wanted). A ``directory`` that is no folder is
    ``FileNotFoundError`` at once: a mistyped path is not an empty archive.
    """
    if not directory.is_dir():
        raise FileNotFoundError(f"no archive at {directory}: no such folder")
    return _records(directory, counters, http_headers)


def _records(directory: Path, counters: stats.Counters | None, http_headers: bool) -> Iterator[Stored]:
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        for offset, member in iter_members(path, counters=counters):
            for record in ArchiveIterator(BytesIO(member), no_record_parse=not http_headers):
                yield Stored(path, offset, record)


def read_record(path: Path, offset: int) -> ArcWarcRecord:
    """The record whose gzip member starts at ``offset`` of ``path``."""
    with closing(iter_members(path, offset)) as members:
        _, member = next(members)
    return next(ArchiveIterator(BytesIO(member)))


def iter_members(
    path: Path, start: int = 0, counters: stats.Counters | None = None
) -> Generator[tuple[int, bytes], None, None]:
    """``(offset, uncompressed bytes)`` of each complete gzip member of the file from ``start``.

    Complete means the member's trailer is there: the data it promises all
    arrived. What follows the last complete member (a torn write, or bytes
    that do not inflate) is logged and skipped.
    """
    with path.open("rb") as file:
        file.seek(start)
        offset, fed = start, 0  # where the current member starts; how much of it was inflated
        inflate, out = _inflater(), []
        while True:
            chunk = file.read(_CHUNK)
            data = chunk
            while data:
                try:
                    out.append(inflate.decompress(data))
                except zlib.error as error:
                    _skip_tail(path, offset, file.seek(0, 2) - offset, f"does not inflate ({error})", counters)
                    return
                if not inflate.eof:
                    fed += len(data)
                    break
                rest = inflate.unused_data
                yield offset, b"".join(out)
                offset += fed + len(data) - len(rest)
                data, fed, inflate, out = rest, 0, _inflater(), []
            if not chunk:
                break
        torn = file.tell() - offset
        if torn:
            _skip_tail(path, offset, torn, "is a torn record", counters)


def _inflater() -> Any:
    return zlib.decompressobj(zlib.MAX_WBITS | 16)


def _skip_tail(path: Path, offset: int, size: int, why: str, counters: stats.Counters | None) -> None:
    logger.warning("Skipped the last %d bytes of %s: from offset %d it %s", size, path, offset, why)
    if counters is not None:
        counters.inc_value(stats.ARCHIVE_TORN_TAILS)


def main(argv: list[str] | None = None) -> int:
    """``python -m vok_crawler.store.warc DIR``: the date and URL of every capture (response) in the archive ``DIR``."""
    parser = argparse.ArgumentParser(prog="python -m vok_crawler.store.warc", description=main.__doc__)
    parser.add_argument(
        "archive", type=Path, help="the archive's folder (VOK_ARCHIVE; by default archive/ beside the corpus)"
    )
    args = parser.parse_args(argv)
    try:
        records = iter_archive(args.archive, http_headers=False)
    except FileNotFoundError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    for stored in records:
        if stored.record.rec_type == "response":
            headers = stored.record.rec_headers
            print(headers.get_header("WARC-Date"), headers.get_header("WARC-Target-URI"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
