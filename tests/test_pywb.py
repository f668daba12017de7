"""The web archives' real engines on 127.0.0.1: pywb 2.10's CDX API and raw replay, and WARC byte ranges.

pywb serves the tests' archive (``tests/web_archives.py``) in two
collections: ``plain``, as ``wb-manager add`` indexes it (pywb answers such
an index whole, and ignores paging), and ``paged``, the same captures as a
ZipNum index of two-line blocks, asked one block a page (Common Crawl's kind
of index). The WARC files are served with byte ranges by
``twisted.web.static.File``, as Common Crawl serves its own. Every question
the crawler would ask is asked for real, and every answer read with the
crawler's own functions.
"""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread
from twisted.web.static import File

from tests.conftest import serve
from tests.web_archives import (
    DRILLS,
    ENLARGED_MEETING,
    PAGED,
    PERIOD,
    PLAIN,
    PRESS_STATEMENT,
    SOWING,
    SPEECH,
    Captured,
    Pywb,
    archive_captures,
    fetch,
    sample_url,
)
from vok_crawler import stats
from vok_crawler.site.archive_index import (
    IndexQuery,
    WebArchive,
    article_queries,
    index_url,
    period_queries,
)
from vok_crawler.site.captures import Capture, article_captures, capture_fetch, next_query, parse_cdx
from vok_crawler.site.problems import Problem
from vok_crawler.store.capture_records import read_capture_record

HOSTS = ("kcnawatch.org", "kcnawatch.xyz")  # the site's names, as site_hosts() gives them for a crawl of kcnawatch.org
ORIGIN = "https://kcnawatch.org/article/163/"


def archive_of(server: Pywb, collection: str, page_size: int | None = 1) -> WebArchive:
    return WebArchive(server.cdx(collection), server.replay(collection), page_size=page_size)


def read_index(archive: WebArchive, queries: tuple[IndexQuery, ...]) -> tuple[list[Capture], list[Problem], list[str]]:
    """Every capture the index answers to ``queries``, each read to its end the index's way; the problems; the URLs asked."""
    captures: list[Capture] = []
    problems: list[Problem] = []
    asked: list[str] = []
    for first in queries:
        query: IndexQuery | None = first
        while query is not None:
            asked.append(index_url(archive, query))
            status, _, body = fetch(asked[-1])
            assert status == 200, (asked[-1], body[:300])
            answer = parse_cdx(body.decode(), archive)
            following = next_query(query, answer.value)
            captures += answer.value.captures
            problems += [*answer.problems, *following.problems]
            query = following.value
    return captures, problems, asked


def listed(captures: list[Capture] | tuple[Captured, ...]) -> list[tuple[str, str]]:
    return sorted((capture.url, capture.timestamp) for capture in captures)


@pytest.mark.parametrize("collection", [PLAIN, PAGED])
def test_the_periods_prefixes_list_exactly_the_whole_captures_of_its_postings(web_archive, collection):
    """Whatever their source (the KCNA articles of the days too), and none posted the second before or after."""
    queries = period_queries(HOSTS, *PERIOD)
    captures, problems, asked = read_index(archive_of(web_archive, collection), queries)
    wanted = [c for c in archive_captures() if c.in_period and c.status == 200]
    assert listed([c for c in captures if c.status == 200]) == listed(wanted)  # once each: none read twice or left out
    assert problems == []
    redirects = [c for c in archive_captures() if c.in_period and c.status != 200]
    # pywb answers the page count of an index it does not page with every capture, unfiltered: the grouping filters.
    assert listed([c for c in captures if c.status != 200]) == (listed(redirects) if collection == PLAIN else [])
    assert {c.location.filename for c in captures} == {"kcnawatch-2026-03.warc.gz", "kcnawatch-2026-04.warc.gz"}
    if collection == PAGED:
        assert len(asked) > len(queries)  # the page counts, then their pages
        assert any(url.endswith("&page=1") for url in asked)  # some prefix needed a second page
    else:
        assert len(asked) == len(queries)  # pywb answered each whole, to the page count


@pytest.mark.parametrize("collection", [PLAIN, PAGED])
def test_an_article_is_found_in_every_spelling_and_its_newest_whole_capture_comes_first(web_archive, collection):
    archive = archive_of(web_archive, collection)
    found = {}
    for path in (SPEECH, SOWING, ENLARGED_MEETING, PRESS_STATEMENT, DRILLS):
        captures, problems, _ = read_index(archive, article_queries(sample_url(path), HOSTS))
        assert problems == []
        found |= article_captures(captures, ORIGIN, ("kcnawatch.xyz",))
    newest = {url: [c.timestamp for c in article.captures] for url, article in found.items()}
    assert newest == {
        sample_url(SPEECH): ["20260223101500"],  # captured on www.kcnawatch.xyz, without the slash
        sample_url(SOWING): ["20260302120000"],  # captured with ?utm_source
        sample_url(ENLARGED_MEETING): ["20260302230000"],  # its newer capture, the gate's 302, is filtered out
        sample_url(PRESS_STATEMENT): ["20260305120000", "20260222093000"],  # the gate, then the whole page
        sample_url(DRILLS): ["20260213120000"],  # the gate alone
    }


@pytest.mark.parametrize("collection", [PLAIN, PAGED])
def test_a_question_the_archive_holds_nothing_for_is_an_empty_answer(web_archive, collection):
    archive = archive_of(web_archive, collection)
    queries = (*article_queries("https://kcnawatch.org/newstream/1772240400-1/never-captured/", HOSTS),)
    queries += period_queries(HOSTS, PERIOD[0].replace(year=2019), PERIOD[0].replace(year=2019))
    assert read_index(archive, queries)[:2] == ([], [])


def test_a_page_past_the_last_is_pywbs_message_read_as_a_problem(web_archive):
    archive = archive_of(web_archive, PAGED)
    query = IndexQuery(f"kcnawatch.org/{PRESS_STATEMENT}")
    status, _, body = fetch(index_url(archive, query))
    pages = parse_cdx(body.decode(), archive).value.pages
    # Its two captures share a block; pywb counts from the block before, which may hold a prefix's first lines.
    assert (status, pages) == (200, 2)
    status, _, body = fetch(index_url(archive, IndexQuery(query.prefix, page=pages, pages=pages)))
    read = parse_cdx(body.decode(), archive)
    assert status == 400
    assert [p.stat for p in read.problems] == [stats.CAPTURES_INDEX_MESSAGES]
    assert f"Page {pages} invalid" in read.problems[0].message


def test_the_raw_replay_gives_each_capture_as_it_was_captured(web_archive):
    archive = archive_of(web_archive, PLAIN)
    for captured in archive_captures():
        capture = Capture(archive.host, captured.url, captured.timestamp, captured.status)
        fetched = capture_fetch(archive, capture).value
        assert fetched is not None and fetched.byte_range is None
        status, headers, body = fetch(fetched.url)
        assert (status, body) == (captured.status, captured.body), captured.url
        assert headers["Memento-Datetime"]  # pywb's own: a capture, not a page of the live site
        assert headers.get("Location") == captured.location, captured.url


@pytest_twisted.inlineCallbacks
def test_a_byte_range_of_a_warc_file_gives_each_capture_as_it_was_captured(web_archive):
    index = archive_of(web_archive, PAGED)
    queries = (*period_queries(HOSTS, *PERIOD), *article_queries(sample_url(DRILLS), HOSTS))
    listed_captures, _, _ = yield deferToThread(read_index, index, queries)
    by_capture = {(c.url, c.timestamp): c for c in archive_captures()}
    with serve(File(str(web_archive.warc_folder))) as origin:
        archive = WebArchive(index.cdx, index.replay, warc=f"{origin}/")
        for capture in listed_captures:
            fetched = capture_fetch(archive, capture)
            assert fetched.problems == ()
            status, headers, data = yield deferToThread(fetch, fetched.value.url, {"Range": fetched.value.byte_range})
            assert status == 206
            assert headers["Content-Range"].startswith(fetched.value.byte_range.replace("=", " ") + "/")
            response = read_capture_record(data, capture)
            captured = by_capture[capture.url, capture.timestamp]
            assert response.problems == ()
            assert (response.value.url, response.value.status) == (captured.url, 200)
            assert response.value.body == captured.body
    assert len(listed_captures) == len([c for c in archive_captures() if c.in_period and c.status == 200]) + 1
