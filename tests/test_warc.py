"""The WARC files: records of a fetch, redaction, and a reader that never takes a torn record for a whole one."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from vok_crawler import stats
from vok_crawler.crawl.warc_records import WarcRecords, kept_headers
from vok_crawler.store.warc import WarcFiles, iter_archive, read_record

STARTED = datetime(2026, 11, 24, 10, 15, 0, 123456, tzinfo=timezone.utc)


def fetch(n: int) -> tuple:
    request = Request(
        f"http://127.0.0.1:8163/page/{n}/?a=1",
        headers={"Cookie": "s=1", "Authorization": "Basic eDp5", "Accept": "text/html"},
    )
    response = HtmlResponse(
        request.url,
        status=200,
        body=f"<html><body>page {n} {'x' * 500}</body></html>".encode(),
        request=request,
        headers={"Set-Cookie": "t=2", "Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"},
    )
    return request, response


def write_pages(directory, count: int, max_bytes: int = 1 << 30) -> WarcFiles:
    files = WarcFiles(directory, max_bytes, {"software": "test"})
    records = WarcRecords()
    for n in range(count):
        files.write(records.fetch(*fetch(n), STARTED).records)
    files.close()
    return files


def test_a_fetch_is_a_request_and_a_response_record_of_the_url_at_the_time_it_began(tmp_path):
    files = write_pages(tmp_path, 1)
    with files.paths[0].open("rb") as file:
        records = [(r.rec_type, r.rec_headers, r.http_headers, r.raw_stream.read()) for r in ArchiveIterator(file)]
    assert [kind for kind, *_ in records] == ["warcinfo", "request", "response"]
    (_, info, _, fields), (_, request, asked, _), (_, response, answered, body) = records
    assert info.protocol == response.protocol == "WARC/1.1"
    assert b"redacted-headers: authorization, cookie" in fields
    assert (
        response.get_header("WARC-Target-URI")
        == request.get_header("WARC-Target-URI")
        == "http://127.0.0.1:8163/page/0/?a=1"
    )
    assert response.get_header("WARC-Date") == request.get_header("WARC-Date") == "2026-11-24T10:15:00.123456Z"
    assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
    assert (
        f"{asked.protocol} {asked.statusline}" == "GET /page/0/?a=1 HTTP/1.1"
        and asked.get_header("Host") == "127.0.0.1:8163"
    )
    assert answered.statusline == "200 OK" and body.startswith(b"<html><body>page 0")
    for headers in (asked, answered):
        assert not [
            name
            for name, _ in headers.headers
            if name.lower() in {"cookie", "set-cookie", "authorization", "transfer-encoding"}
        ]


def test_kept_headers_leave_out_cookies_credentials_and_the_transfer_coding():
    headers = [
        (b"Set-Cookie", [b"a=1", b"b=2"]),
        (b"SET-COOKIE2", [b"c"]),
        (b"Proxy-Authorization", [b"x"]),
        (b"Vary", [b"A", b"B"]),
    ]
    assert kept_headers(headers) == ([("Vary", "A"), ("Vary", "B")], 3)


def test_a_file_is_named_by_time_and_process_and_rotates_at_its_size(tmp_path):
    files = write_pages(tmp_path, 6, max_bytes=1500)
    assert len(files.paths) > 1 and len({path.name for path in files.paths}) == len(files.paths)
    assert all(path.name.startswith("vok-") and path.name.endswith(".warc.gz") for path in files.paths)
    stored = list(iter_archive(tmp_path))
    assert [s.record.rec_type for s in stored].count("warcinfo") == len(files.paths)
    assert [s.record.rec_type for s in stored].count("response") == 6


def test_a_record_is_read_again_from_its_offset(tmp_path):
    write_pages(tmp_path, 3)
    third = [s for s in iter_archive(tmp_path) if s.record.rec_type == "response"][2]
    again = read_record(third.path, third.offset)
    assert again.rec_headers.get_header("WARC-Target-URI").endswith("/page/2/?a=1")
    assert b"page 2" in again.raw_stream.read()


def test_a_torn_last_record_is_skipped_and_logged_wherever_the_write_was_cut(tmp_path, caplog):
    path = write_pages(tmp_path / "whole", 3).paths[0]
    data = path.read_bytes()
    whole = [s.offset for s in iter_archive(tmp_path / "whole")]
    last_start = whole[-1]  # the last record's gzip member
    cut_dir = tmp_path / "cut"
    cut_dir.mkdir()
    for cut in range(last_start + 1, len(data)):
        (cut_dir / path.name).write_bytes(data[:cut])
        counters = MemoryStatsCollector(get_crawler())
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            read = [s.offset for s in iter_archive(cut_dir, counters)]
        assert read == whole[:-1], cut
        assert (
            counters.get_value(stats.ARCHIVE_TORN_TAILS) == 1
            and f"Skipped the last {cut - last_start} bytes" in caplog.text
        )


def test_bytes_that_do_not_inflate_end_the_file_with_a_log_line(tmp_path, caplog):
    path = write_pages(tmp_path, 2).paths[0]
    whole = [s.offset for s in iter_archive(tmp_path)]
    path.write_bytes(path.read_bytes() + b"not gzip at all")
    with caplog.at_level(logging.WARNING):
        assert [s.offset for s in iter_archive(tmp_path)] == whole
    assert "does not inflate" in caplog.text


@pytest.mark.parametrize("count", [0, 1])
def test_nothing_is_written_before_the_first_record(tmp_path, count):
    assert len(write_pages(tmp_path / "a", count).paths) == count
    assert (tmp_path / "a").exists() == bool(count)
