"""The web archive and its replay, end to end: the samples on 127.0.0.1, crawled, archived, replayed.

The archive is read back with warcio's own ``ArchiveIterator``, not with the
project's reader. The replays are compared with the crawl's own output (not
with the samples' expected records), so these tests hold whatever the
samples and the spider become.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread
from twisted.web.resource import EncodingResourceWrapper
from twisted.web.server import GzipEncoderFactory, Request
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from tests.conftest import (
    COOKIES,
    FLAKY_PATH,
    ROOT,
    SAMPLE_SITE,
    comparable,
    crawl,
    crawl_args,
    expected_records,
    read_jsonl,
    run_scrapy,
    serve,
)
from tests.test_crash import start_crawl, wait_for
from tests.test_readme import EXAMPLES, run_example
from tests.test_write_failures import limit_file_size, small_disk
from vok_crawler import stats
from vok_crawler.errors import BadConfiguration
from vok_crawler.store.warc import iter_archive
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET, SampleSite

SENT_COOKIE = "session=subscriber-secret-7f3a"
SERVER_COOKIE = "server-token-c91e"


class CookieSite(SampleSite):
    """The samples, answering ``Set-Cookie`` to every request and noting the ``Cookie`` each one sent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cookies: list[str | None] = []

    def respond(self, request: Request) -> bytes | int:
        self.cookies.append(request.getHeader("cookie"))
        request.addCookie("session", SERVER_COOKIE)
        return super().respond(request)


class MovedSite(SampleSite):
    """The samples, with ``/moved/`` answering 301 to an article."""

    def respond(self, request: Request) -> bytes | int:
        if request.path == b"/moved/":
            self.hits[request.uri.decode()] += 1
            request.redirect(MOVED_TO.encode())
            request.setResponseCode(301)
            return b""
        return super().respond(request)


MOVED_TO = "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/"


def records_of(directory: Path) -> list:
    """``(file, type, URI, HTTP headers, payload)`` of every record, read by warcio alone."""
    found = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as file:
            for record in ArchiveIterator(file):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                found.append((path, record.rec_type, uri, record.http_headers, record.raw_stream.read()))
    return found


def assert_as_received_without_secrets(archive: Path, responses: list) -> None:
    """Bodies compressed as the server sent them; no cookie, sent or set, anywhere in the files."""
    compressed = [
        payload for _, headers, payload in responses if headers.get_header("Content-Encoding") == "gzip" and payload
    ]
    assert compressed and all(payload[:2] == b"\x1f\x8b" for payload in compressed)  # the bytes as received
    everything = b"".join(gzip.decompress(path.read_bytes()) for path in sorted(archive.glob("*.warc.gz"))).lower()
    for secret in (SENT_COOKIE, SERVER_COOKIE, "\r\ncookie:", "\r\nset-cookie:"):
        assert secret.encode() not in everything


@pytest_twisted.inlineCallbacks
def test_the_archive_holds_every_response_as_received_without_cookies_and_replays_without_the_server(tmp_path):
    site = CookieSite(SAMPLE_SITE, flaky={FLAKY_PATH})
    start = "/article/163/"
    with serve(EncodingResourceWrapper(site, [GzipEncoderFactory()])) as origin:
        crawler = yield crawl(
            tmp_path / "crawl" / "vok.jsonl", origin + start, DEFAULT_REQUEST_HEADERS={"Cookie": SENT_COOKIE}
        )
    crawled = read_jsonl(tmp_path / "crawl" / "vok.jsonl")
    assert crawled and set(site.cookies) == {SENT_COOKIE}  # the crawl did send the cookie

    archive = tmp_path / "crawl" / "archive"  # the default: beside the corpus
    records = records_of(archive)
    assert len({path for path, *_ in records}) == 1 == crawler.stats.get_value(stats.ARCHIVE_FILES)
    assert records[0][1] == "warcinfo"
    responses = [(uri, headers, payload) for _, kind, uri, headers, payload in records if kind == "response"]
    requests = [uri for _, kind, uri, *_ in records if kind == "request"]
    fetched = sorted(origin + uri for uri, n in site.hits.items() for _ in range(n) if uri != "/robots.txt")
    assert sorted(uri for uri, *_ in responses) == sorted(requests) == fetched  # retries and redirects included
    assert crawler.stats.get_value(stats.ARCHIVE_RESPONSES) == len(responses)
    assert sorted(headers.get_statuscode() for uri, headers, _ in responses if uri.endswith(FLAKY_PATH)) == [
        "200",
        "503",
    ]
    assert_as_received_without_secrets(archive, responses)
    assert crawler.stats.get_value(stats.ARCHIVE_HEADERS_REDACTED) == 2 * len(responses)

    # The server is gone: the replay reads the archive alone.
    replayed = yield crawl(tmp_path / "replay" / "vok.jsonl", origin + start, {"replay": str(archive)})
    assert comparable(read_jsonl(tmp_path / "replay" / "vok.jsonl")) == comparable(crawled)
    counters = replayed.stats.get_stats()
    assert counters[stats.REPLAY_HIT] == len(set(requests)) and stats.REPLAY_MISS not in counters
    assert not [key for key in counters if key.startswith(("downloader/exception", "vok/errors/connection", "retry/"))]
    assert not (tmp_path / "replay" / "archive").exists()  # a replay does not archive again


@pytest_twisted.inlineCallbacks
def test_a_redirect_and_its_final_page_are_archived_and_replayed(tmp_path):
    site = MovedSite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(tmp_path / "crawl" / "vok.jsonl", f"{origin}/moved/")
    statuses = [
        (uri, headers.get_statuscode())
        for _, kind, uri, headers, _ in records_of(tmp_path / "crawl" / "archive")
        if kind == "response"
    ]
    assert statuses[:2] == [(f"{origin}/moved/", "301"), (origin + MOVED_TO, "200")]
    replayed = yield crawl(
        tmp_path / "replay" / "vok.jsonl", f"{origin}/moved/", {"replay": str(tmp_path / "crawl" / "archive")}
    )
    assert comparable(read_jsonl(tmp_path / "replay" / "vok.jsonl")) == comparable(
        read_jsonl(tmp_path / "crawl" / "vok.jsonl")
    )
    assert replayed.stats.get_value("downloader/response_status_count/301") == 1
    assert stats.REPLAY_MISS not in replayed.stats.get_stats()


@pytest_twisted.inlineCallbacks
def test_a_url_not_in_the_archive_is_a_counted_miss_and_never_requested(sample_server, tmp_path):
    archive = tmp_path / "archive"
    yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}/article/163/", VOK_ARCHIVE=str(archive))
    sample_server.resource.hits.clear()
    replayed = yield crawl(
        tmp_path / "replay.jsonl", f"{sample_server.origin}/newstream/1-2/never-archived/", {"replay": str(archive)}
    )
    assert replayed.stats.get_value(stats.REPLAY_MISS) == 1
    assert replayed.stats.get_value("vok/errors/ignored") == 1
    assert not sample_server.resource.hits  # the server was up, and asked for nothing


@pytest_twisted.inlineCallbacks
def test_an_empty_archive_setting_turns_it_off(sample_server, tmp_path):
    crawler = yield crawl(tmp_path / "vok.jsonl", f"{sample_server.origin}/article/163/", VOK_ARCHIVE="")
    assert not (tmp_path / "archive").exists() and crawler.stats.get_value(stats.ARCHIVE_RESPONSES) is None


@pytest_twisted.inlineCallbacks
def test_files_rotate_at_the_size_setting_each_opened_by_warcinfo(sample_server, tmp_path):
    archive = tmp_path / "warcs"
    crawler = yield crawl(
        tmp_path / "vok.jsonl",
        f"{sample_server.origin}/article/163/",
        VOK_ARCHIVE=str(archive),
        VOK_ARCHIVE_MAX_BYTES=10_000,
    )
    files = sorted(archive.glob("*.warc.gz"))
    assert len(files) > 2 and crawler.stats.get_value(stats.ARCHIVE_FILES) == len(files)
    for path in files:
        with path.open("rb") as file:
            assert next(iter(ArchiveIterator(file))).rec_type == "warcinfo"
    assert all(path.stat().st_size >= 10_000 for path in files[:-1])  # a file is closed once past the limit
    responses = [stored for stored in iter_archive(archive) if stored.record.rec_type == "response"]
    assert len(responses) == crawler.stats.get_value(stats.ARCHIVE_RESPONSES)


@pytest_twisted.inlineCallbacks
def test_a_crawl_killed_while_archiving_leaves_files_readable_to_their_last_whole_record(slow_site, tmp_path, caplog):
    origin, _ = slow_site
    corpus, archive = tmp_path / "vok.jsonl", tmp_path / "archive"
    process = start_crawl(origin, corpus, VOK_ARCHIVE=archive)
    yield wait_for(lambda: (corpus.exists() and corpus.read_bytes().count(b"\n") >= 3) or process.poll() is not None)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"

    (path,) = archive.glob("*.warc.gz")
    with path.open("rb") as file:  # warcio reads the file as it is, to its end
        kinds = [record.rec_type for record in ArchiveIterator(file)]
    stored = [(s.record.rec_type, s.offset) for s in iter_archive(archive)]
    assert [kind for kind, _ in stored] == kinds and kinds[0] == "warcinfo" and "response" in kinds
    # As if the kill had landed in the middle of a write: half of a record's gzip member at the end.
    data = path.read_bytes()
    path.write_bytes(data + data[stored[-1][1] :][: (len(data) - stored[-1][1]) // 2])
    with caplog.at_level(logging.WARNING):
        assert [(s.record.rec_type, s.offset) for s in iter_archive(archive)] == stored
    assert f"Skipped the last {(len(data) - stored[-1][1]) // 2} bytes of {path}" in caplog.text

    # Every record the killed crawl wrote comes back from its archive alone.
    killed = comparable(read_jsonl(corpus))
    replayed = yield crawl(tmp_path / "replay.jsonl", f"{origin}/article/163/", {"replay": str(archive)})
    assert killed and all(record in comparable(read_jsonl(tmp_path / "replay.jsonl")) for record in killed)
    assert replayed.stats.get_value(stats.ARCHIVE_TORN_TAILS) == 1


@pytest_twisted.inlineCallbacks
def test_a_replay_of_a_directory_that_is_not_there_fails_before_any_request(tmp_path):
    with pytest.raises(BadConfiguration, match="archive directory"):
        yield crawl(tmp_path / "vok.jsonl", "http://127.0.0.1:9/article/163/", {"replay": str(tmp_path / "nowhere")})


@pytest_twisted.inlineCallbacks
def test_an_archive_that_cannot_be_written_stops_the_run_and_keeps_only_whole_records(sample_server, tmp_path, caplog):
    """A full disk, as ``RLIMIT_FSIZE`` makes one: the write that crosses it fails partway."""
    archive = tmp_path / "archive"
    args = crawl_args(f"{sample_server.origin}/article/163/", "", VOK_ARCHIVE=archive)
    failed = yield deferToThread(run_scrapy, *args, timeout=120, preexec_fn=limit_file_size(20_000))
    assert failed.returncode != 0 and "Could not write to the archive, stopping" in failed.stderr, failed.stderr[-2000:]
    assert "'finish_reason': 'write_failed'" in failed.stderr
    (path,) = archive.glob("*.warc.gz")
    assert path.stat().st_size <= 20_000
    with caplog.at_level(logging.WARNING):
        stored = [s.record.rec_type for s in iter_archive(archive)]
    assert (
        "Skipped" not in caplog.text and stored[0] == "warcinfo" and "response" in stored
    )  # the failed write was cut back


@pytest_twisted.inlineCallbacks
def test_a_subscribers_cookies_open_the_gates_but_never_reach_the_archive(sample_server, tmp_path):
    start = f"{sample_server.origin}/article/163/"
    crawler = yield crawl(tmp_path / "crawl" / "vok.jsonl", start, VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value(stats.COOKIES_SENT)
    archive = tmp_path / "crawl" / "archive"
    everything = b"".join(gzip.decompress(path.read_bytes()) for path in archive.glob("*.warc.gz"))
    assert SUBSCRIBER_SECRET.encode() not in everything and b"\r\ncookie:" not in everything.lower()
    # The gated articles were read with the cookie; their replay needs none.
    yield crawl(tmp_path / "replay" / "vok.jsonl", start, {"replay": str(archive)})
    assert comparable(read_jsonl(tmp_path / "replay" / "vok.jsonl")) == comparable(
        read_jsonl(tmp_path / "crawl" / "vok.jsonl")
    )


@pytest_twisted.inlineCallbacks
def test_the_readme_example_reads_the_archive_a_crawl_writes(sample_server, tmp_path):
    (example,) = [e for e in EXAMPLES if "iter_archive" in e]
    crawler = yield crawl(tmp_path / "data" / "kcnawatch.org" / "vok.jsonl", f"{sample_server.origin}/article/163/")
    ran = yield run_example(example, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    lines = ran.stdout.splitlines()
    assert len(lines) == crawler.stats.get_value(stats.ARCHIVE_RESPONSES)
    assert all(re.fullmatch(r"\S+Z http://127\.0\.0\.1:\d+/\S*", line) for line in lines)


def readme_archive_command(folder: Path) -> subprocess.CompletedProcess[str]:
    """The README's ``python -m vok_crawler.store.warc ...`` line, run as written in ``folder``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("python -m vok_crawler.store.warc ")]
    command = line.replace("python", sys.executable, 1)
    return subprocess.run(command, shell=True, cwd=folder, capture_output=True, text=True, timeout=120)


@pytest_twisted.inlineCallbacks
def test_the_readme_command_lists_the_captures_the_example_reads_and_a_missing_folder_is_an_error(
    sample_server, tmp_path
):
    (example,) = [e for e in EXAMPLES if "iter_archive" in e]
    missing, read = (yield deferToThread(readme_archive_command, tmp_path)), (yield run_example(example, tmp_path))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.splitlines() == ["Error: no archive at data/kcnawatch.org/archive: no such folder"]
    assert read.returncode == 1 and read.stderr.splitlines()[-1] == (
        "FileNotFoundError: no archive at data/kcnawatch.org/archive: no such folder"
    )
    crawler = yield crawl(tmp_path / "data" / "kcnawatch.org" / "vok.jsonl", f"{sample_server.origin}/article/163/")
    listed, read = (yield deferToThread(readme_archive_command, tmp_path)), (yield run_example(example, tmp_path))
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    assert listed.stdout == read.stdout and len(listed.stdout.splitlines()) == crawler.stats.get_value(
        stats.ARCHIVE_RESPONSES
    )


@pytest_twisted.inlineCallbacks
def test_a_size_limit_that_is_not_a_positive_number_fails_before_any_request(tmp_path):
    with pytest.raises(BadConfiguration, match="VOK_ARCHIVE_MAX_BYTES"):
        yield crawl(tmp_path / "vok.jsonl", "http://127.0.0.1:9/article/163/", VOK_ARCHIVE_MAX_BYTES="lots")


def backdate(archive: Path, to: Path) -> dict[str, str]:
    """The archive copied with every capture dated a day of 2020 (a second apart); each URL's latest date.

    Replayed now, a record can only carry such a date if it was taken from its capture.
    """
    to.mkdir()
    latest: dict[str, str] = {}
    for number, path in enumerate(sorted(archive.glob("*.warc.gz"))):
        with path.open("rb") as source, (to / path.name).open("wb") as copy:
            writer = WARCWriter(copy, gzip=True)
            for second, record in enumerate(ArchiveIterator(source)):
                date = f"2020-01-0{number + 1}T00:{second // 60:02d}:{second % 60:02d}Z"
                record.rec_headers.replace_header("WARC-Date", date)
                if record.rec_type == "response":
                    latest[record.rec_headers.get_header("WARC-Target-URI")] = date
                writer.write_record(record)
    return latest


@pytest_twisted.inlineCallbacks
def test_a_replayed_record_was_crawled_when_its_page_was_captured(sample_server, tmp_path):
    """``crawled_at`` is when the page was fetched: for a replay, its capture's ``WARC-Date``."""
    start = f"{sample_server.origin}/article/163/"
    yield crawl(tmp_path / "crawl" / "vok.jsonl", start)
    captured = backdate(tmp_path / "crawl" / "archive", tmp_path / "old")
    yield crawl(tmp_path / "replay" / "vok.jsonl", start, {"replay": str(tmp_path / "old")})
    replayed = read_jsonl(tmp_path / "replay" / "vok.jsonl")
    assert len(replayed) == len(read_jsonl(tmp_path / "crawl" / "vok.jsonl"))
    assert {record["url"]: record["crawled_at"] for record in replayed} == {
        record["url"]: captured[record["url"]] for record in replayed
    }


@pytest_twisted.inlineCallbacks
def test_once_the_archive_disk_is_full_no_page_is_parsed_without_its_capture(sample_server, tmp_path):
    """The archive on a small disk of its own, the corpus elsewhere: every record written has its capture."""
    corpus = tmp_path / "vok.jsonl"
    start = f"{sample_server.origin}/article/163/"
    with small_disk(tmp_path / "disk", size="48k") as disk:
        crawler = yield crawl(corpus, start, VOK_ARCHIVE=str(disk), VOK_COOKIES_FILE=str(COOKIES))
        captured = {uri for _, kind, uri, headers, _ in records_of(disk) if kind == "response"}
    assert crawler.stats.get_value("finish_reason") == "write_failed"
    assert crawler.stats.get_value(stats.error("not_archived")) >= 1
    written = [record["url"] for record in read_jsonl(corpus)]
    assert 0 < len(written) < len(expected_records(sample_server.origin))
    assert set(written) <= captured  # no record without a capture
    state = json.loads(corpus.with_name("vok.state.json").read_text())
    assert state["complete"] is False and state["pending"]

    yield crawl(corpus, start, VOK_ARCHIVE=str(tmp_path / "archive"), VOK_COOKIES_FILE=str(COOKIES))
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(sample_server.origin).values())
