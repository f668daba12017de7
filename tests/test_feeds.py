"""Feeds: nested fields as JSON text in CSV and XML, real lists in JSON; a lost feed fails the run."""

from __future__ import annotations

import csv
import json
import socket
from xml.etree import ElementTree

import pytest
import pytest_twisted

from tests.conftest import COOKIES, crawl_args, expected_records, read_jsonl, scrapy_output


def scrapy_crawl(origin: str, tmp_path, *args: str):
    """A subscriber's ``scrapy crawl vok`` in a subprocess, its corpus in ``corpus/``; a Deferred of (stdout, stderr, exit code)."""
    corpus = tmp_path / "corpus" / "vok.jsonl"
    return scrapy_output(
        *crawl_args(f"{origin}/article/163/", corpus, *args, VOK_COOKIES_FILE=COOKIES, LOG_LEVEL="INFO")
    )


@pytest_twisted.inlineCallbacks
def test_csv_and_xml_feeds_carry_related_as_json_text_and_json_feeds_as_lists(sample_server, tmp_path):
    feeds = {name: tmp_path / f"out.{name}" for name in ("jsonl", "json", "csv", "xml")}
    outputs = [arg for path in feeds.values() for arg in ("-O", str(path))]
    _, err, code = yield scrapy_crawl(sample_server.origin, tmp_path, *outputs)
    assert code == 0, err.decode()[-3000:]
    related = {record["url"]: record["related"] for record in read_jsonl(feeds["jsonl"])}
    assert len(related) == len(expected_records(sample_server.origin)) and all(
        isinstance(teasers, list) for teasers in related.values()
    )
    assert {record["url"]: record["related"] for record in json.loads(feeds["json"].read_text())} == related
    with feeds["csv"].open(encoding="utf-8", newline="") as file:
        assert {row["url"]: json.loads(row["related"]) for row in csv.DictReader(file)} == related
    items = ElementTree.parse(feeds["xml"]).getroot()
    assert {item.findtext("url"): json.loads(item.findtext("related")) for item in items} == related


@pytest_twisted.inlineCallbacks
def test_a_feed_path_that_cannot_be_written_stops_the_run_before_it_starts(sample_server, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    _, err, code = yield scrapy_crawl(sample_server.origin, tmp_path, "-O", str(not_a_folder / "out.jsonl"))
    assert code == 2, err.decode()[-3000:]
    assert (
        err.decode().splitlines()[-1]
        == f"Error: feed {not_a_folder / 'out.jsonl'} cannot be written: {not_a_folder} is not a directory"
    )
    assert sample_server.resource.hits == {}
    assert b"Traceback" not in err


@pytest.mark.parametrize(
    ("feed", "why"),
    [
        ("/proc/nope/out.jsonl", "/proc/nope: No such file or directory"),
        ("/proc/out.jsonl", "/proc/out.jsonl: No such file or directory"),
    ],
    ids=["folder-cannot-be-made", "file-cannot-be-made"],
)
@pytest_twisted.inlineCallbacks
def test_a_feed_on_a_file_system_that_makes_no_file_stops_the_run_before_it_starts(sample_server, tmp_path, feed, why):
    """``/proc`` says it is writable (to root, ``os.access`` says yes everywhere) but makes no file."""
    _, err, code = yield scrapy_crawl(sample_server.origin, tmp_path, "-O", feed)
    assert code == 2, err.decode()[-3000:]
    assert [line for line in err.decode().splitlines() if "Error" in line] == [
        f"Error: feed {feed} cannot be written: {why}"
    ]
    assert err.decode().splitlines()[-1].startswith("Error: ")
    assert sample_server.resource.hits == {}
    assert b"Traceback" not in err and not (tmp_path / "corpus").exists()


@pytest_twisted.inlineCallbacks
def test_a_feed_that_fails_to_store_makes_the_run_exit_non_zero(sample_server, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on: the FTP upload is refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _, err, code = yield scrapy_crawl(
        sample_server.origin, tmp_path, "-o", f"ftp://user:pass@127.0.0.1:{closed}/out.jsonl"
    )
    assert b"'feedexport/failed_count/FTPFeedStorage': 1" in err, err.decode()[-3000:]
    assert b"'finish_reason': 'finished'" in err
    assert code == 1
