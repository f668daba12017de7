"""The commands a user types, run as subprocesses in the project root."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest
import pytest_twisted

from tests.conftest import (
    COOKIES,
    ROOT,
    assert_valid_records,
    comparable,
    crawl_args,
    expected_records,
    read_jsonl,
    run_scrapy,
    scrapy_output,
)


@pytest_twisted.inlineCallbacks
def test_scrapy_crawl_vok_writes_the_feed_and_the_corpus(sample_server, tmp_path):
    """``-O out.jsonl`` works as Scrapy users expect, and the corpus is written as well."""
    feed, corpus = tmp_path / "out.jsonl", tmp_path / "corpus" / "vok.jsonl"
    args = crawl_args(
        f"{sample_server.origin}/article/163/",
        corpus,
        "-a",
        "_job=from-scrapyd",
        "-O",
        str(feed),
        VOK_COOKIES_FILE=COOKIES,
        LOG_LEVEL="INFO",
    )
    _out, err, code = yield scrapy_output(*args)
    assert code == 0, err.decode()[-3000:]
    assert set(sample_server.resource.hosts) == {sample_server.origin.removeprefix("http://")}  # none to localhost
    expected = comparable(expected_records(sample_server.origin).values())
    assert comparable(read_jsonl(feed)) == expected
    assert comparable(read_jsonl(corpus)) == expected
    assert_valid_records(read_jsonl(feed))
    assert b"Invalid published date '31/02/2026'" in err


def test_scrapy_samples_crawls_the_bundled_site_offline(tmp_path):
    """In a project folder of its own (the user's ``data/samples.jsonl`` is not the test's), on any free port."""
    shutil.copy(ROOT / "scrapy.cfg", tmp_path)
    feed, corpus = tmp_path / "feed.jsonl", tmp_path / "corpus.jsonl"
    result = samples(tmp_path, "--port", "0", "-o", str(feed), "-s", f"VOK_CORPUS={corpus}")
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(feed)
    origin = records[0]["url"].split("/newstream/")[0]
    assert origin.startswith("http://127.0.0.1:") and not origin.endswith(":0")
    assert comparable(records) == comparable(expected_records(origin).values())
    assert read_jsonl(corpus) == records
    assert read_jsonl(tmp_path / "data" / "samples.jsonl") == records  # its own feed, beside the user's -o


# A road named wrong, or beside another road's arguments (vok_crawler/crawl/roads/__init__.py).
ROADS = [
    (["-a", "road=walk"], "road must be one of listing, search, replay, archive, not 'walk'"),
    (
        ["-a", "road=listing", "-a", "published_from=2011-07-14", "-a", "published_to=2011-07-17"],
        (
            "published_from and published_to are the search road's, not the listing road's: give -a road=search, "
            "or leave them out"
        ),
    ),
    (
        ["-a", "road=search", "-a", "replay=archive"],
        "replay is the replay road's, not the search road's: give -a road=replay, or leave it out",
    ),
    (
        ["-a", "published_from=2011-07-14", "-a", "published_to=2011-07-17", "-a", "replay=archive"],
        ("arguments of 2 roads were given, published_from and published_to (search), replay (replay): give one road's"),
    ),
    (["-a", "road=search"], "the search road reads a period: give published_from and published_to, YYYY-MM-DD"),
    (["-a", "road=replay"], "replay must name an archive directory, and None is none"),
    (["-a", "road=archive"], "the archive road reads a period: give posted_from and posted_to, YYYY-MM-DD"),
    (["-a", "posted_to=2026-03-05"], "posted_from and posted_to go together: give both days, YYYY-MM-DD"),
    (
        ["-a", "posted_from=1989-12-31", "-a", "posted_to=2026-03-05"],
        "posted_from must be 1990-01-01 or later (no article of the site is older), not 1989-12-31",
    ),
    (
        ["-a", "road=archive", "-a", "posted_from=2026-03-01", "-a", "posted_to=2026-03-05", "-a", "fill=archive"],
        (
            "fill=archive reads from a web archive what the live site refused; the archive road asks nothing of "
            "the live site: give it on the listing or the search road"
        ),
    ),
    (["-a", "fill=wayback"], "fill must be archive (read from a web archive), not 'wayback'"),
    (["-s", "VOK_ARCHIVE_DELAY=soon"], "setting VOK_ARCHIVE_DELAY must be a number of seconds, not 'soon'"),
    (["-s", "VOK_ARCHIVE_DELAY=-1"], "setting VOK_ARCHIVE_DELAY must not be negative, not '-1'"),
    (
        ["-a", "fill=archive", "-s", "VOK_ARCHIVE_CDX=web.archive.org/cdx/search/cdx"],
        "setting VOK_ARCHIVE_CDX must be an http or https URL, not 'web.archive.org/cdx/search/cdx'",
    ),
]
ROAD_IDS = [
    "road_unknown",
    "road_and_a_period",
    "road_and_replay",
    "two_roads",
    "search_no_period",
    "replay_no_folder",
    "archive_no_period",
    "archive_period_half",
    "archive_period_too_early",
    "archive_and_fill",
    "fill_unknown",
    "archive_delay_word",
    "archive_delay_negative",
    "fill_bad_index",
]
# A source of no name: its files could not be named after it.
SOURCES = [
    (["-a", f"source={source}"], f"source must name a source, as its articles' meta line does, not {source!r}")
    for source in ("", "(!)")
]
SOURCE_IDS = ["source_empty", "source_no_letter"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "since=03/01/2026"], "since must be a date as YYYY-MM-DD, not '03/01/2026'"),
        (["-a", "refresh=maybe"], "refresh must be one of 1/true/yes/0/false/no, not 'maybe'"),
        (["-a", "start_url=ftp://127.0.0.1/"], "start_url must be an http(s) URL, not 'ftp://127.0.0.1/'"),
        (["-s", "VOK_RETRY_AFTER_MAX=soon"], "setting VOK_RETRY_AFTER_MAX must be a number of seconds, not 'soon'"),
        (
            ["-s", "VOK_CORPUS=%(host)s/vok.jsonl"],
            "setting VOK_CORPUS '%(host)s/vok.jsonl' cannot be filled in ('host'): it may name %(site)s, %(source)s and %(name)s",
        ),
        (["-a", "source_id=vok"], "source_id must be the source's number in slice URLs (id=K), not 'vok'"),
        (["-a", "revisit=soon"], "revisit must be a number of days, not 'soon'"),
        (
            ["-a", "published_from=2011-07-15"],
            "published_from and published_to go together: give both days, YYYY-MM-DD",
        ),
        (
            ["-a", "published_from=2011-07-16", "-a", "published_to=2011-07-15"],
            "published_from (2011-07-16) is after published_to (2011-07-15)",
        ),
        (
            ["-a", "published_from=15-07-2011", "-a", "published_to=2011-07-16"],
            "published_from and published_to must be days as YYYY-MM-DD, not '15-07-2011' and '2011-07-16'",
        ),
        (
            ["-s", "VOK_HOST_ALIASES=https://kcnawatch.xyz/"],
            (
                "setting VOK_HOST_ALIASES must list host names as host[:port], space- or comma-separated: "
                "'https://kcnawatch.xyz/' is not one"
            ),
        ),
        (
            ["-s", "VOK_COOKIES_FILE=/nonexistent/cookies.txt"],
            (
                "VOK_COOKIES_FILE /nonexistent/cookies.txt could not be loaded (No such file or directory): "
                "export the site's cookies from your browser as a Netscape cookies.txt file"
            ),
        ),
        *ROADS,
        *SOURCES,
    ],
    ids=[
        "since",
        "refresh",
        "start_url",
        "retry_after_max",
        "corpus_template",
        "source_id",
        "revisit",
        "period_half",
        "period_reversed",
        "period_not_iso",
        "host_aliases",
        "cookies_file",
        *ROAD_IDS,
        *SOURCE_IDS,
    ],
)
def test_a_bad_argument_or_setting_is_one_line_and_exit_status_2(tmp_path, args, message):
    start, corpus = "start_url=http://127.0.0.1:9/article/163/", f"VOK_CORPUS={tmp_path}/vok.jsonl"
    result = run_scrapy("crawl", "vok", "-a", start, "-s", corpus, *args, "-s", "LOG_LEVEL=INFO", timeout=60)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "vok.jsonl").exists()


REMOTE_CONTROL = "Remote control HTTP server listening on port"


@pytest.mark.parametrize("turned_on", [False, True], ids=["by-default-off", "turned-on-with-s"])
@pytest_twisted.inlineCallbacks
def test_scrapys_remote_control_is_off_unless_a_user_turns_it_on(sample_server, tmp_path, turned_on):
    """No HTTP server that runs the code it is sent, in any crawl; ``-s REMOTE_CONTROL_ENABLED=True`` starts it."""
    on = (
        ["-s", "REMOTE_CONTROL_ENABLED=True", "-s", f"REMOTE_CONTROL_JOBS_DIR={tmp_path / 'jobs'}"] if turned_on else []
    )
    args = crawl_args(f"{sample_server.origin}/article/163/", tmp_path / "vok.jsonl", *on, LOG_LEVEL="INFO")
    _, err, code = yield scrapy_output(*args)
    log = err.decode()
    assert code == 0, log[-3000:]
    assert (REMOTE_CONTROL in log) is turned_on, log[-3000:]
    assert "Telnet console listening" not in log


@pytest_twisted.inlineCallbacks
def test_a_crawl_that_does_not_finish_exits_non_zero(sample_server, tmp_path):
    """Stopped by a limit here; any finish reason but ``finished`` says the day's crawl is not whole."""
    args = crawl_args(
        f"{sample_server.origin}/article/163/", tmp_path / "vok.jsonl", CLOSESPIDER_ITEMCOUNT=2, LOG_LEVEL="INFO"
    )
    _, err, code = yield scrapy_output(*args)
    assert b"'finish_reason': 'closespider_itemcount'" in err
    assert code == 1, err.decode()[-3000:]


def samples(cwd, *args: str) -> subprocess.CompletedProcess:
    site = str(ROOT / "samples" / "site")
    return run_scrapy("samples", "--site", site, *args, "-s", "LOG_LEVEL=INFO", cwd=cwd, timeout=120)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_scrapy_samples_leaves_every_sample_record_whatever_the_port(tmp_path):
    shutil.copy(ROOT / "scrapy.cfg", tmp_path)
    first = free_port()
    for port in (first, next(port for port in iter(free_port, None) if port != first)):
        result = samples(tmp_path, "--port", str(port))
        assert result.returncode == 0, result.stderr[-3000:]
        records = read_jsonl(tmp_path / "data" / "samples.jsonl")
        assert comparable(records) == comparable(expected_records(f"http://127.0.0.1:{port}").values())


def test_scrapy_samples_on_a_busy_port_says_so_in_one_line(tmp_path):
    shutil.copy(ROOT / "scrapy.cfg", tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = samples(tmp_path, "--port", str(port))
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1].startswith(f"Error: cannot serve the samples on 127.0.0.1:{port} (")
    assert result.stderr.splitlines()[-1].endswith("; try another --port")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["٠", "²", "8١63", "65536", "-1", "80.0", "0x50", ""])
def test_scrapy_samples_takes_a_port_of_ascii_digits_only_else_one_error_line(tmp_path, port):
    """``--port 0`` (any free port) is taken, as above; the first digit of another script (Arabic-Indic zero),
    ``²``, and the first number past the last port are one ``Error:`` line, exit 2, before anything is served."""
    shutil.copy(ROOT / "scrapy.cfg", tmp_path)
    result = samples(tmp_path, "--port", port)
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if "Error" in line or "error" in line]
    assert errors == [f"Error: --port must be a port from 0 to 65535 (0: any free one), not {port!r}"]
    assert "Traceback" not in result.stderr and not (tmp_path / "data").exists()
