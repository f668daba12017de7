"""``scrapy probe --archive``, run as a user runs it, against pywb on 127.0.0.1 holding captures of the samples.

The archive holds the listing (twice: the newest is read), the next slice as
the site's own script asked for it (with a ``to``), and the listing's first
article, whose newest capture is behind the gate, with an older whole one.
They were captured on a site whose port nothing listens on: the probe must
read them all from the archive, asking nothing of the site.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.utils import getProcessOutputAndValue
from twisted.web.static import File

from tests.conftest import COOKIES, ROOT, SAMPLE_ORIGIN, SAMPLE_SITE, free_port, run_scrapy, serve
from tests.test_fixtures import article_page, record
from tests.test_probe import FIRST_ARTICLE, LISTING, PAYWALLED, row
from tests.web_archives import (
    PAGED,
    PLAIN,
    Captured,
    Pywb,
    behind_the_gate,
    build_collections,
    running_pywb,
    write_warcs,
)
from vok_crawler.tools.sample_site import SOURCE_ID, SampleSite, site_links_to

SLICE = f"/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=12&id={SOURCE_ID}"  # as captured
LISTING_OLDER, LISTING_NEWEST = "20260301000000", "20260310000000"
SLICE_TIME = "20260310000100"
# The gate's capture is in the WARC file of April (tests/web_archives.warc_name), the others in March's.
ARTICLE_WHOLE, ARTICLE_GATED = "20260305000000", "20260411000000"
ONLY_GATED = "20260312000000"  # the one capture of an article held only behind the gate
EMPTY = "empty"  # a collection of no capture at all
LISTINGS = "listings"  # a collection of the listing's captures alone
ALIAS = "kcnawatch.xyz"  # the site's second name, asked too


@dataclass(frozen=True)
class ProbeArchive:
    """pywb holding the captures of a site at ``origin``, where nothing listens; the captures, by their time."""

    pywb: Pywb
    origin: str
    captured: dict[str, Captured]


def captured_on(origin: str) -> tuple[Captured, ...]:
    """The listing twice, its next slice (on the site's other name), and its first article: the gate's page
    newest, a whole one before; and an article held only behind the gate."""
    listing = site_links_to((SAMPLE_SITE / "article/163/index.html").read_bytes(), origin.encode())
    blocks = SampleSite(SAMPLE_SITE).lists[SOURCE_ID][12:24]
    next_slice = site_links_to(("\n" + "".join(blocks)).encode(), f"https://www.{ALIAS}".encode())
    path = FIRST_ARTICLE.strip("/")
    article = site_links_to((SAMPLE_SITE / path / "index.html").read_bytes(), origin.encode())
    gated = site_links_to(behind_the_gate(path, ARTICLE_GATED).body, origin.encode())
    only_gated = site_links_to(behind_the_gate(PAYWALLED.strip("/"), ONLY_GATED).body, origin.encode())
    url, slice_url = origin + LISTING, f"https://www.{ALIAS}{SLICE}"  # the slice captured on the site's other name
    return (
        Captured(url, LISTING_OLDER, "whole", url, listing),
        Captured(url, LISTING_NEWEST, "whole", url, listing),
        Captured(slice_url, SLICE_TIME, "whole", slice_url, next_slice),
        Captured(origin + FIRST_ARTICLE, ARTICLE_WHOLE, "whole", origin + FIRST_ARTICLE, article),
        Captured(origin + FIRST_ARTICLE, ARTICLE_GATED, "gated", origin + FIRST_ARTICLE, gated),
        Captured(origin + PAYWALLED, ONLY_GATED, "gated", origin + PAYWALLED, only_gated),
    )


@pytest.fixture(scope="module")
def probe_archive(tmp_path_factory: pytest.TempPathFactory, pywb_bin: Path) -> Iterator[ProbeArchive]:
    """pywb with the captures in two collections (``plain``, ``paged``), the listing's alone in a third
    (``listings``), and one that holds nothing (``empty``)."""
    root = tmp_path_factory.mktemp("probe-pywb")
    origin = f"http://127.0.0.1:{free_port()}"  # the site: nothing listens there
    captures = captured_on(origin)
    build_collections(pywb_bin, root, write_warcs(captures, root / "warcs"))
    listings = write_warcs([c for c in captures if c.url == origin + LISTING], root / "listings")
    for command in (["init", EMPTY], ["init", LISTINGS], ["add", LISTINGS, *map(str, listings)]):
        done = subprocess.run([pywb_bin / "wb-manager", *command], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    with running_pywb(pywb_bin, root) as server:
        yield ProbeArchive(server, origin, {capture.timestamp: capture for capture in captures})


def probe(archive: Pywb, collection: str, *args: str, warc: str = ""):
    """``scrapy probe --archive ARGS`` in the project root, reading ``collection``; fires with (stdout, stderr, code)."""
    settings = [
        f"VOK_ARCHIVE_CDX={archive.cdx(collection)}",
        f"VOK_ARCHIVE_REPLAY={archive.replay(collection)}",
        f"VOK_ARCHIVE_WARC={warc}",
        "VOK_ARCHIVE_DELAY=0",
        f"VOK_HOST_ALIASES={ALIAS}",
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
    ]
    command = ["-m", "scrapy", "probe", "--archive", *args, *(part for s in settings for part in ("-s", s))]
    running = getProcessOutputAndValue(sys.executable, command, env=dict(os.environ), path=str(ROOT))
    return running.addCallback(lambda result: (result[0].decode(), result[1].decode(), result[2]))


def assert_read_from_the_captures(out: str, archive: ProbeArchive) -> None:
    """The pages and the capture each was read from (the newest whole one), the fields, and the verdict."""
    host = archive.pywb.origin.removeprefix("http://")
    assert f"read from       the archive at {host}: each page's newest whole capture" in out
    origin = archive.origin
    # As the crawl asks for it (the control's data-to read as an offset), not as the capture asked.
    slice_url = f"{origin}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id={SOURCE_ID}&sort=&to=24"
    assert re.search(
        rf"^listing  200  {re.escape(origin + LISTING)}\n +captured {LISTING_NEWEST} \(2026-03-10T00:00:00Z\) as "
        rf"{re.escape(origin + LISTING)}$",
        out,
        re.MULTILINE,
    ), out
    assert re.search(
        rf"^slice    200  {re.escape(slice_url)}\n +captured {SLICE_TIME} .* as {re.escape(f'https://www.{ALIAS}{SLICE}')}$",
        out,
        re.MULTILINE,
    ), out
    assert re.search(
        rf"^article  200  {re.escape(origin + FIRST_ARTICLE)}\n +captured {ARTICLE_WHOLE} ", out, re.MULTILINE
    ), out
    # The newest capture of the article is the gate's page: passed over for the older whole one.
    assert (
        f"article: the capture of {ARTICLE_GATED} is the NK Pro gate; read the next older one, of {ARTICLE_WHOLE}"
    ) in out
    assert re.search(r"^listing teasers 12; first: 'Party policy explained to working people'", out, re.MULTILINE)
    assert re.search(r"^slice teasers +12; first: ", out, re.MULTILINE)
    assert row(out, "title") == ["title", "found", "h1.article-title", "Party policy explained to working people"]
    assert row(out, "body")[1:3] == ["found", "div.article-content"]
    assert "gate            none" in out
    # The fetch's fields are no rule's: the capture is given with its page, not as a field found or MISSING.
    assert not re.search(r"^(capture|crawled_at) ", out, re.MULTILINE), out
    assert "COULD NOT RUN" not in out and "(connection)" not in out  # nothing was asked of the site
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("verdict: OK: the crawler understands these pages"), verdict


@pytest_twisted.inlineCallbacks
def test_probe_archive_reads_the_newest_whole_captures_and_asks_nothing_of_the_site(probe_archive):
    out, err, code = yield probe(probe_archive.pywb, PLAIN, probe_archive.origin + LISTING)
    assert code == 0, out + err[-3000:]
    assert_read_from_the_captures(out, probe_archive)
    host = probe_archive.pywb.origin.removeprefix("http://")
    # robots.txt; the listing, the slice and the article asked under each of the site's two names; four captures.
    assert re.search(
        rf"^asked +11 requests of the archive at {re.escape(host)} \(6 index questions, 4 captures\), robots.txt "
        r"obeyed, at least 0 s apart, as 'vok_crawler/.*'; none of the site$",
        out,
        re.MULTILINE,
    ), out


@pytest_twisted.inlineCallbacks
def test_probe_archive_reads_the_captures_by_byte_range_as_common_crawl_serves_them(probe_archive):
    """The same, with the WARC records asked by byte range of the files (VOK_ARCHIVE_WARC) of a ZipNum index."""
    with serve(File(str(probe_archive.pywb.warc_folder))) as files:
        out, err, code = yield probe(probe_archive.pywb, PAGED, probe_archive.origin + LISTING, warc=f"{files}/")
    assert code == 0, out + err[-3000:]
    assert_read_from_the_captures(out, probe_archive)


@pytest_twisted.inlineCallbacks
def test_probe_archive_reads_the_next_older_capture_when_the_archive_does_not_give_one(probe_archive, tmp_path):
    """The WARC file of the newest capture of the article is not served (404): its older capture is read."""
    march = tmp_path / "march"
    march.mkdir()
    (march / "kcnawatch-2026-03.warc.gz").write_bytes(
        (probe_archive.pywb.warc_folder / "kcnawatch-2026-03.warc.gz").read_bytes()
    )
    with serve(File(str(march))) as files:
        out, err, code = yield probe(probe_archive.pywb, PAGED, probe_archive.origin + LISTING, warc=f"{files}/")
    assert code == 0, out + err[-3000:]
    assert (
        f"article: the capture of {ARTICLE_GATED} is not given (http_404); read the next older one, of {ARTICLE_WHOLE}"
    ) in out
    assert re.search(rf"^article  200  .*\n +captured {ARTICLE_WHOLE} ", out, re.MULTILINE), out
    assert out.strip().splitlines()[-1] == "verdict: OK: the crawler understands these pages"


@pytest_twisted.inlineCallbacks
def test_probe_archive_save_keeps_the_captures_as_fixture_pages_under_the_urls_captured(probe_archive, tmp_path):
    saved = tmp_path / "saved"
    out, err, code = yield probe(probe_archive.pywb, PLAIN, probe_archive.origin + LISTING, "--save", str(saved))
    assert code == 0, out + err[-3000:]
    names = sorted(path.name for path in saved.iterdir())
    assert names == [
        "1-listing.html",
        "1-listing.json",
        "2-slice.html",
        "2-slice.json",
        "3-article.html",
        "3-article.json",
        "expected.json",
    ]
    assert f"saved 7 files in {saved}" in out  # the article's gated capture, passed over, overwritten
    host = probe_archive.pywb.origin.removeprefix("http://")
    for stem, timestamp in (("1-listing", LISTING_NEWEST), ("2-slice", SLICE_TIME), ("3-article", ARTICLE_WHOLE)):
        captured = probe_archive.captured[timestamp]
        assert (saved / f"{stem}.html").read_bytes() == captured.body, stem
        info = json.loads((saved / f"{stem}.json").read_text(encoding="utf-8"))
        assert (info["url"], info["status"]) == (captured.url, 200)
        assert info["capture"] == {"archive": host, "timestamp": timestamp, "url": captured.url}
    # A fixture as it stands: the page object reads the saved capture into the draft, the samples' own record.
    draft = json.loads((saved / "expected.json").read_text(encoding="utf-8"))
    assert record(article_page(saved)) == draft
    written = SAMPLE_SITE / FIRST_ARTICLE.strip("/") / "expected.json"
    wanted = json.loads(written.read_text(encoding="utf-8").replace(SAMPLE_ORIGIN, probe_archive.origin))
    assert draft == {key: value for key, value in wanted.items() if key != "crawled_at"}


@pytest_twisted.inlineCallbacks
def test_probe_archive_of_an_index_that_holds_nothing_for_the_site_exits_1_saying_so(probe_archive):
    out, err, code = yield probe(probe_archive.pywb, EMPTY, probe_archive.origin + LISTING)
    assert code == 1, out + err[-3000:]
    host = probe_archive.pywb.origin.removeprefix("http://")
    assert "no capture of it in the archive at " + host in out
    verdict = out.strip().splitlines()[-1]
    assert verdict == (
        f"verdict: NO CAPTURE: the archive at {host} holds no capture of {probe_archive.origin + LISTING} under the "
        "site's host names; try another start (a listing or an article URL the archive holds), another name of the "
        "site (-s VOK_HOST_ALIASES=...) or another index (-s VOK_ARCHIVE_CDX=...)"
    ), verdict
    assert "asked           3 requests of the archive" in out  # robots.txt, and the start URL under both names


@pytest_twisted.inlineCallbacks
def test_probe_archive_of_a_slice_the_archive_lacks_says_so_and_of_an_article_it_lacks_is_not_understood(
    probe_archive,
):
    """A slice is a script's page that archives seldom keep: its gap is said, and the pages read are judged; an
    article is what the crawler reads: without its capture the probe did not see the crawler read one."""
    listing = probe_archive.origin + LISTING
    other_id, _, other_code = yield probe(probe_archive.pywb, PLAIN, listing, "--source-id", "990010")
    alone, _, alone_code = yield probe(probe_archive.pywb, LISTINGS, listing)
    host = probe_archive.pywb.origin.removeprefix("http://")
    gap = f"slice: the archive at {host} holds no capture of it: its reading was not tried"
    assert other_code == 0, other_id
    assert other_id.strip().splitlines()[-1] == f"verdict: OK: the crawler understands these pages; {gap}"
    assert alone_code == 1, alone
    assert alone.strip().splitlines()[-1] == (
        f"verdict: NOT UNDERSTOOD: article: the archive holds no capture of {probe_archive.origin + FIRST_ARTICLE}"
        f"; {gap}"
    )
    assert f"no capture of it in the archive at {host}" in alone


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            [f"VOK_COOKIES_FILE={COOKIES}"],
            "--archive reads an archive's captures, which no cookie opens: leave out -s VOK_COOKIES_FILE",
        ),
        (
            ["VOK_ARCHIVE_CDX=web.archive.org/cdx/search/cdx"],
            "setting VOK_ARCHIVE_CDX must be an http or https URL, not 'web.archive.org/cdx/search/cdx'",
        ),
        (
            ["VOK_ARCHIVE_REPLAY=http://127.0.0.1:9/web"],
            "setting VOK_ARCHIVE_REPLAY is a prefix and must end with '/': 'http://127.0.0.1:9/web'",
        ),
    ],
    ids=["cookies", "index_not_a_url", "replay_not_a_prefix"],
)
def test_probe_archive_contradicted_or_misplaced_is_one_error_line_and_exit_2(settings, message):
    """Before any request: a subscriber's cookies (the live site's, which open no capture), or an archive's
    setting it cannot use."""
    args = [part for setting in settings for part in ("-s", setting)]
    result = run_scrapy("probe", "--archive", "http://127.0.0.1:9/article/163/", *args, timeout=60)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.stderr and "Probe of" not in result.stdout
    # Without --archive, the archive's settings are not read: the same probe runs (and finds nothing at port 9).
    if "VOK_COOKIES_FILE" not in settings[0]:
        live = run_scrapy("probe", "http://127.0.0.1:9/article/163/", *args, "-s", "RETRY_TIMES=0", timeout=60)
        assert live.returncode == 2 and "verdict: COULD NOT RUN: nothing answered at" in live.stdout


def test_probe_archive_of_an_index_where_nothing_listens_could_not_run():
    """The archive unreachable is the probe's failure to run, exit 2, naming the archive (not the site)."""
    port = free_port()  # free now: nothing listens there
    index = f"VOK_ARCHIVE_CDX=http://127.0.0.1:{port}/cdx"
    result = run_scrapy(
        "probe", "--archive", "http://127.0.0.1:9/article/163/", "-s", index, "-s", "RETRY_TIMES=0", timeout=60
    )
    assert result.returncode == 2, result.stdout + result.stderr[-3000:]
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict == f"verdict: COULD NOT RUN: nothing answered at the archive at 127.0.0.1:{port} (connection)"


@pytest_twisted.inlineCallbacks
def test_probe_archive_of_an_article_held_only_behind_the_gate_says_no_cookie_opens_it(probe_archive):
    """Started from the article: its one capture, the gate's, stands (no older one); the verdict names the gate and
    that the archive holds no whole capture, not cookies (which open no capture)."""
    out, err, code = yield probe(probe_archive.pywb, PLAIN, probe_archive.origin + PAYWALLED)
    assert code == 0, out + err[-3000:]
    assert re.search(rf"^article  200  .*\n +captured {ONLY_GATED} ", out, re.MULTILINE), out
    assert "gate            GATED by paywall markup" in out
    assert out.strip().splitlines()[-1] == (
        "verdict: OK: the crawler understands these pages; article gated (paywall markup): the archive holds no whole "
        "capture of it"
    )


@pytest_twisted.inlineCallbacks
def test_probe_archive_started_from_a_slice_asks_the_index_again_for_the_next(probe_archive):
    """A slice and the next one are asked of the index by the same question (their path): both are answered, and
    the next slice, which the archive lacks, is said so (as is the slice's first article, not captured)."""
    start = probe_archive.origin + SLICE
    out, err, code = yield probe(probe_archive.pywb, PLAIN, start, "--source-id", SOURCE_ID)
    assert code == 1, out + err[-3000:]
    assert re.search(rf"^listing  200  .*\n +captured {SLICE_TIME} ", out, re.MULTILINE), out
    host = probe_archive.pywb.origin.removeprefix("http://")
    assert re.search(rf"^slice    -    .*from=24.*\n +no capture of it in the archive at {host}$", out, re.MULTILINE)
    assert "slice teasers" not in out  # a slice never read has no teasers to count
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("verdict: NOT UNDERSTOOD: article: the archive holds no capture of "), verdict
    assert verdict.endswith(f"; slice: the archive at {host} holds no capture of it: its reading was not tried")
