"""The web archives' index and captures as data: the questions, the answers of both styles, the records.

Pure functions (``vok_crawler/site/archive_index.py``, ``captures.py``,
``capture_records.py``) tested from saved answers: the Wayback Machine's
list of lists (``tests/fixtures/wayback-cdx-answer.json``, written to its
documented format), and lines of pywb's NDJSON as pywb 2.10 answers them
(``tests/test_pywb.py`` asks the real pywb).
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from io import BytesIO
from itertools import pairwise
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests import web_archives
from tests.test_fixtures import record
from vok_crawler import stats
from vok_crawler.site.archive_index import (
    WAYBACK_CDX,
    WAYBACK_REPLAY,
    IndexQuery,
    WebArchive,
    article_queries,
    epoch_prefixes,
    index_url,
    period_queries,
    posting_prefixes,
    site_hosts,
)
from vok_crawler.site.captures import (
    ArticleCaptures,
    Capture,
    CdxAnswer,
    WarcLocation,
    article_captures,
    capture_fetch,
    next_query,
    page_captures,
    parse_cdx,
)
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.problems import Problem
from vok_crawler.site.processors import KOREA
from vok_crawler.store.capture_records import read_capture_record

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WAYBACK = WebArchive(WAYBACK_CDX)
PYWB = WebArchive("http://127.0.0.1:8080/paged/cdx", replay="http://127.0.0.1:8080/paged/")
COMMON_CRAWL = WebArchive.from_settings(
    "https://index.commoncrawl.org/CC-MAIN-2025-47-index", WAYBACK_REPLAY, "https://data.commoncrawl.org/"
)
FISHERMEN = "https://kcnawatch.org/newstream/1772240400-381500815/fishermen-bring-in-big-catch/"
ALIASES = ("kcnawatch.xyz",)
# A line of pywb 2.10's answer, as it gives it (tests/test_pywb.py reads the same from the real pywb).
PYWB_LINE = {
    "urlkey": "org,kcnawatch)/newstream/1772240400-381500815/fishermen-bring-in-big-catch",
    "timestamp": "20260301080000",
    "url": FISHERMEN,
    "mime": "text/html",
    "status": "200",
    "digest": "3AWFGDTDX4O6YD6MBFOZMKJU6Y6572EZ",
    "length": "4210",
    "offset": "0",
    "filename": "kcnawatch-2026-03.warc.gz",
    "source": "paged/indexes/captures.idx",
    "source-coll": "paged",
    "access": "allow",
}


def capture(url: str = FISHERMEN, timestamp: str = "20260301080000", **fields) -> Capture:
    return Capture(**{"archive": "web.archive.org", "url": url, "timestamp": timestamp, "status": 200, **fields})


def stats_of(problems: tuple[Problem, ...]) -> list[str]:
    return [problem.stat for problem in problems]


# Where the archive is: the three settings.


def test_the_default_settings_are_the_wayback_machine_read_in_its_own_style():
    archive = WebArchive.from_settings(WAYBACK_CDX, WAYBACK_REPLAY, "")
    assert archive == WebArchive(WAYBACK_CDX, WAYBACK_REPLAY, None)
    assert (archive.style, archive.host) == ("wayback", "web.archive.org")


def test_common_crawl_and_pywb_are_read_in_pywbs_style():
    assert (COMMON_CRAWL.style, COMMON_CRAWL.host, COMMON_CRAWL.warc) == (
        "pywb",
        "index.commoncrawl.org",
        "https://data.commoncrawl.org/",
    )
    assert PYWB.style == "pywb"
    assert WebArchive("http://127.0.0.1:8080/cdx/search/cdx/").style == "wayback"  # a Wayback CDX server elsewhere


@pytest.mark.parametrize(
    ("cdx", "replay", "warc", "setting"),
    [
        ("", WAYBACK_REPLAY, "", "VOK_ARCHIVE_CDX"),
        ("ftp://web.archive.org/cdx/search/cdx", WAYBACK_REPLAY, "", "VOK_ARCHIVE_CDX"),
        ("web.archive.org/cdx/search/cdx", WAYBACK_REPLAY, "", "VOK_ARCHIVE_CDX"),
        (f"{WAYBACK_CDX}?url=kcnawatch.org", WAYBACK_REPLAY, "", "VOK_ARCHIVE_CDX"),
        (WAYBACK_CDX, "https://web.archive.org/web", "", "VOK_ARCHIVE_REPLAY"),
        (WAYBACK_CDX, "https://web.archive.org/web/#top/", "", "VOK_ARCHIVE_REPLAY"),
        (WAYBACK_CDX, WAYBACK_REPLAY, "https://data.commoncrawl.org", "VOK_ARCHIVE_WARC"),
        (WAYBACK_CDX, WAYBACK_REPLAY, "s3://commoncrawl/", "VOK_ARCHIVE_WARC"),
    ],
)
def test_a_setting_that_is_no_address_or_no_prefix_is_named(cdx, replay, warc, setting):
    with pytest.raises(ValueError, match=setting):
        WebArchive.from_settings(cdx, replay, warc)


# The questions.


def test_a_wayback_question_filters_status_200_and_asks_for_a_resume_key():
    query = IndexQuery("kcnawatch.org/newstream/17723")
    assert index_url(WAYBACK, query) == (
        "https://web.archive.org/cdx/search/cdx?url=kcnawatch.org%2Fnewstream%2F17723&matchType=prefix"
        "&output=json&filter=statuscode:200&limit=10000&showResumeKey=true"
    )


def test_the_resume_key_goes_back_to_the_wayback_machine_as_it_came():
    key = json.loads((FIXTURES / "wayback-cdx-answer.json").read_text())[-1][0]
    url = index_url(WAYBACK, IndexQuery("kcnawatch.org/newstream/1772", resume_key=key))
    assert url.endswith(f"&showResumeKey=true&resumeKey={key}")
    assert "%25" not in url  # not escaped a second time


def test_a_pywb_question_filters_status_200_exactly_and_asks_for_the_number_of_pages_first():
    first = index_url(PYWB, IndexQuery("kcnawatch.org/newstream/17723"))
    assert first == (
        "http://127.0.0.1:8080/paged/cdx?url=kcnawatch.org%2Fnewstream%2F17723&matchType=prefix&output=json"
        "&filter=%3Dstatus%3A200&showNumPages=true"
    )
    page = index_url(WebArchive(PYWB.cdx, page_size=1), IndexQuery("kcnawatch.org/newstream/17723", page=2, pages=3))
    assert page.endswith("&filter=%3Dstatus%3A200&pageSize=1&page=2")
    assert "limit" not in first + page  # pywb cuts a page at a limit without a word


def test_the_site_is_asked_for_under_each_of_its_names_once_without_www():
    assert site_hosts("https://www.kcnawatch.org/article/163/", ("kcnawatch.org", "kcnawatch.xyz")) == (
        "kcnawatch.org",
        "kcnawatch.xyz",
    )
    assert site_hosts("http://127.0.0.1:8163/article/163/", ("localhost:8163",)) == ("127.0.0.1:8163", "localhost:8163")


def test_an_article_is_asked_for_by_its_path_without_the_slash_so_every_spelling_is_found():
    assert article_queries(FISHERMEN, ("kcnawatch.org", "kcnawatch.xyz")) == (
        IndexQuery("kcnawatch.org/newstream/1772240400-381500815/fishermen-bring-in-big-catch"),
        IndexQuery("kcnawatch.xyz/newstream/1772240400-381500815/fishermen-bring-in-big-catch"),
    )


# A period's postings as epoch prefixes.


def matched(prefixes: tuple[str, ...], epoch: int) -> bool:
    return any(str(epoch).startswith(prefix) for prefix in prefixes)


def korea_midnight(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), KOREA).timestamp())


def test_a_korea_day_is_its_27_prefixes_from_midnight_at_utc_plus_9():
    # 2026-03-01 in Korea: [1772290800, 1772377200), from 15:00 UTC the day before.
    assert korea_midnight(date(2026, 3, 1)) == 1772290800
    assert posting_prefixes(date(2026, 3, 1), date(2026, 3, 1)) == (
        "17722908", "17722909",  # 1772290800-1772290999, by hundreds
        *(f"177229{n}" for n in range(1, 10)),  # 1772291000-1772299999, by thousands
        *(f"17723{n}" for n in range(7)),  # 1772300000-1772369999, by ten thousands
        *(f"177237{n}" for n in range(7)),  # 1772370000-1772376999
        "17723770", "17723771",  # 1772377000-1772377199
    )  # fmt: skip


@pytest.mark.parametrize("day", [date(2026, 3, 1), date(2016, 1, 1), date(2022, 5, 19), date(2025, 6, 26)])
def test_a_day_holds_its_first_and_last_second_and_not_the_seconds_either_side(day):
    prefixes = posting_prefixes(day, day)
    start, end = korea_midnight(day), korea_midnight(day + timedelta(days=1))
    assert end - start == 86_400
    assert [matched(prefixes, epoch) for epoch in (start - 1, start, end - 1, end)] == [False, True, True, False]


@pytest.mark.parametrize(
    ("first", "last"), [(date(2026, 3, 1), date(2026, 3, 1)), (date(2026, 2, 21), date(2026, 3, 5))]
)
def test_the_prefixes_cover_the_period_exactly_once(first, last):
    """Each prefix's numbers lie in the range, no two overlap, and together they count its seconds: an exact cover."""
    prefixes = posting_prefixes(first, last)
    start, end = korea_midnight(first), korea_midnight(last + timedelta(days=1))
    spans = sorted((int(p) * 10 ** (10 - len(p)), (int(p) + 1) * 10 ** (10 - len(p))) for p in prefixes)
    assert spans[0][0] == start and spans[-1][1] == end
    assert all(left[1] == right[0] for left, right in pairwise(spans))


def test_a_period_is_one_range_cheaper_than_its_days_one_by_one():
    first, last = web_archives.PERIOD
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert len(posting_prefixes(first, last)) < sum(len(posting_prefixes(day, day)) for day in days)
    assert period_queries(("kcnawatch.org", "kcnawatch.xyz"), first, last) == tuple(
        IndexQuery(f"{host}/newstream/{prefix}")
        for host in ("kcnawatch.org", "kcnawatch.xyz")
        for prefix in posting_prefixes(first, last)
    )


def test_numbers_of_nine_and_ten_digits_get_prefixes_of_their_own_length():
    assert epoch_prefixes(999_999_998, 1_000_000_002) == ("999999998", "999999999", "1000000000", "1000000001")
    assert epoch_prefixes(1, 10) == tuple("123456789")
    assert epoch_prefixes(1_000_000_000, 2_000_000_000) == ("1",)
    assert epoch_prefixes(5, 5) == ()
    for bad in ((0, 10), (-5, 10), (10, 9)):
        with pytest.raises(ValueError, match="no range"):
            epoch_prefixes(*bad)


# The Wayback Machine's answers.


def test_the_wayback_machines_saved_answer_reads_into_its_captures_and_resume_key():
    read = parse_cdx((FIXTURES / "wayback-cdx-answer.json").read_text(), WAYBACK)
    assert read.problems == ()
    answer = read.value
    assert answer.style == "wayback"
    assert [(c.url, c.timestamp, c.status, c.mime) for c in answer.captures] == [
        (FISHERMEN, "20260301080312", 200, "text/html"),
        (FISHERMEN.replace("//", "//www.").rstrip("/"), "20260315080000", 200, "text/html"),
        (
            "https://kcnawatch.org/newstream/1772330400-381500831/spring-sowing-preparations-in-full-swing/?utm_source=twitter",
            "20260302120000",
            200,
            "text/html",
        ),
        (
            "http://kcnawatch.org:80/newstream/1772409900-381500832/report-on-enlarged-meeting-of-wpk-central-military-commission/",
            "20260302230000",
            200,
            "text/html",
        ),
        (
            "https://kcnawatch.org/newstream/1772409900-381500832/report-on-enlarged-meeting-of-wpk-central-military-commission/",
            "20260310120000",
            200,
            "text/html",
        ),
    ]
    assert {c.archive for c in answer.captures} == {"web.archive.org"}
    assert answer.captures[0].digest == "GV3ZTXWGDJXH2IUSRVQKBKLUTE4XUVKN"
    assert all(c.location is None for c in answer.captures)  # its length alone locates nothing
    assert answer.resume_key == (
        "org%2Ckcnawatch%29%2Fnewstream%2F1772409900-381500832%2Freport-on-enlarged-meeting-of-wpk-central-military-commission"
        "+20260310120000%21"
    )
    query = IndexQuery("kcnawatch.org/newstream/1772")
    assert next_query(query, answer).value == IndexQuery(query.prefix, resume_key=answer.resume_key)


def test_a_wayback_answer_without_a_resume_key_is_the_last():
    rows = json.loads((FIXTURES / "wayback-cdx-answer.json").read_text())[:-2]
    answer = parse_cdx(json.dumps(rows), WAYBACK).value
    assert (len(answer.captures), answer.resume_key) == (5, None)
    assert next_query(IndexQuery("kcnawatch.org/newstream/1772", resume_key="k"), answer).value is None


@pytest.mark.parametrize("text", ["", "  \n", "[]", '[["urlkey","timestamp","original"]]'])
def test_an_empty_answer_has_no_capture_and_no_problem(text):
    read = parse_cdx(text, WAYBACK)
    assert (read.value.captures, read.value.resume_key, read.problems) == ((), None, ())


def test_a_wayback_row_that_is_no_capture_is_a_problem_and_the_others_are_read():
    names = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    good = ["k", "20260301080000", FISHERMEN, "text/html", "200", "D", "10"]
    revisit = ["k", "20260302080000", FISHERMEN, "warc/revisit", "-", "D", "10"]
    rows = [
        names,
        good,
        ["k", "20260301", FISHERMEN, "text/html", "200", "D", "10"],  # a timestamp of 8 digits
        ["k", "20260301080000", "mailto:x@kcnawatch.org", "text/html", "200", "D", "10"],  # no web URL
        ["k", "20260301080000", FISHERMEN, "text/html", "200", "D"],  # a field short
        ["k", 20260301080000, FISHERMEN, "text/html", 200, "D", "10"],  # numbers, not strings
        revisit,
    ]
    read = parse_cdx(json.dumps(rows), WAYBACK)
    assert [(c.timestamp, c.status) for c in read.value.captures] == [("20260301080000", 200), ("20260302080000", None)]
    assert stats_of(read.problems) == [stats.CAPTURES_LINES_UNREAD] * 4
    assert [p.message.split(" of the answer")[0] for p in read.problems] == ["Line 3", "Line 4", "Line 5", "Line 6"]
    assert all(WAYBACK_CDX in p.message and p.level == logging.WARNING for p in read.problems)


def test_a_wayback_answer_that_is_no_json_is_a_problem_not_an_exception():
    read = parse_cdx('[["urlkey","timestamp"],\n ["org,kcnawatch)/", "2026', WAYBACK)
    assert read.value.captures == ()
    assert stats_of(read.problems) == [stats.CAPTURES_LINES_UNREAD]
    assert "is no JSON" in read.problems[0].message


# pywb's and Common Crawl's answers.


def test_pywbs_lines_read_into_captures_with_where_their_warc_record_is():
    cc_line = {**PYWB_LINE, "mime-detected": "text/html", "languages": "eng", "encoding": "UTF-8", "status": 200}
    cc_line["filename"] = "crawl-data/CC-MAIN-2025-47/segments/1/warc/CC-MAIN-1.warc.gz"
    read = parse_cdx(f"{json.dumps(PYWB_LINE)}\n{json.dumps(cc_line)}\n", PYWB)
    assert read.problems == ()
    first, second = read.value.captures
    assert first == Capture(
        archive="127.0.0.1:8080",
        url=FISHERMEN,
        timestamp="20260301080000",
        status=200,
        mime="text/html",
        digest="3AWFGDTDX4O6YD6MBFOZMKJU6Y6572EZ",
        location=WarcLocation("kcnawatch-2026-03.warc.gz", 0, 4210),
    )
    assert (second.status, second.location.filename) == (200, cc_line["filename"])
    assert read.value.style == "pywb"


def test_a_page_count_is_read_and_leads_to_page_0_then_each_page_up_to_the_count():
    answer = parse_cdx('{"pages": 3, "pageSize": 1, "blocks": 3}\n', PYWB).value
    assert (answer.pages, answer.captures) == (3, ())
    first = next_query(IndexQuery("p"), answer).value
    assert first == IndexQuery("p", page=0, pages=3)
    page_1 = next_query(first, CdxAnswer()).value
    assert page_1 == IndexQuery("p", page=1, pages=3)
    last = next_query(page_1, CdxAnswer()).value
    assert last == IndexQuery("p", page=2, pages=3)  # the last page, pages - 1
    assert next_query(last, CdxAnswer()).value is None  # no page 3
    assert next_query(IndexQuery("p"), CdxAnswer(pages=0)).value is None  # an index with nothing under the prefix
    only = next_query(IndexQuery("p"), CdxAnswer(pages=1)).value
    assert (only, next_query(only, CdxAnswer()).value) == (IndexQuery("p", page=0, pages=1), None)


def test_captures_answered_to_the_page_count_are_a_pywb_that_does_not_page_and_the_whole_answer():
    answer = parse_cdx(json.dumps(PYWB_LINE), PYWB).value
    assert len(answer.captures) == 1
    assert next_query(IndexQuery("p"), answer).value is None


def test_common_crawls_no_captures_message_is_an_empty_answer_and_any_other_message_a_problem():
    empty = parse_cdx('{"message": "No Captures found for: kcnawatch.org/newstream/1772*"}', COMMON_CRAWL)
    assert (empty.value.captures, empty.problems) == ((), ())
    assert empty.value.message.startswith("No Captures found")
    invalid = parse_cdx('{"message": "Page 3 invalid: First Page is 0, Last Page is 2"}', PYWB)
    assert stats_of(invalid.problems) == [stats.CAPTURES_INDEX_MESSAGES]
    assert "Page 3 invalid" in invalid.problems[0].message


def test_a_pywb_line_that_is_no_capture_is_a_problem_and_the_others_are_read():
    lines = [
        json.dumps(PYWB_LINE),
        "{not json",
        json.dumps([PYWB_LINE["url"], PYWB_LINE["timestamp"]]),  # JSON, not an object
        json.dumps({**PYWB_LINE, "timestamp": "2026-03-01"}),
        json.dumps({key: value for key, value in PYWB_LINE.items() if key != "url"}),
        json.dumps({"pages": -1}),
        "",
        json.dumps({**PYWB_LINE, "offset": "-", "timestamp": "20260302080000"}),  # no location, still a capture
    ]
    read = parse_cdx("\n".join(lines), PYWB)
    assert [(c.timestamp, c.location is None) for c in read.value.captures] == [
        ("20260301080000", False),
        ("20260302080000", True),
    ]
    assert [p.message.split(" of the answer")[0] for p in read.problems] == [
        "Line 2",
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
    ]
    assert stats_of(read.problems) == [stats.CAPTURES_LINES_UNREAD] * 5


def test_an_answer_in_the_other_style_is_read_and_said():
    ndjson_to_wayback = parse_cdx(json.dumps(PYWB_LINE), WAYBACK)
    assert len(ndjson_to_wayback.value.captures) == 1
    assert stats_of(ndjson_to_wayback.problems) == [stats.CAPTURES_OTHER_STYLE]
    wayback_to_pywb = parse_cdx((FIXTURES / "wayback-cdx-answer.json").read_text(), PYWB)
    assert len(wayback_to_pywb.value.captures) == 5
    assert stats_of(wayback_to_pywb.problems) == [stats.CAPTURES_OTHER_STYLE]
    assert "wayback style, though it was asked in the pywb style" in wayback_to_pywb.problems[0].message


def test_a_resume_key_answered_again_stops_the_reading_and_says_so():
    query = IndexQuery("kcnawatch.org/newstream/1772", resume_key="same")
    read = next_query(query, CdxAnswer((capture(),), resume_key="same"))
    assert read.value is None
    assert stats_of(read.problems) == [stats.CAPTURES_INDEX_MESSAGES]


# The captures of one article.


def test_the_captures_of_an_article_in_every_spelling_and_name_are_one_article_newest_first():
    path = "/newstream/1772240400-381500815/fishermen-bring-in-big-catch"
    spellings = [
        capture(f"https://kcnawatch.org{path}/", "20260301080000"),
        capture(f"http://www.kcnawatch.org{path}", "20260315080000"),
        capture(f"https://kcnawatch.xyz{path}/?utm_source=twitter#respond", "20260310080000"),
        capture(f"http://kcnawatch.org:80{path}/", "20260201080000"),
        capture(f"https://www.kcnawatch.xyz:443{path}/", "20260320080000"),
        capture(f"https://kcnawatch.org{path}/", "20260301080000"),  # listed twice (two questions' answers)
    ]
    grouped = article_captures(spellings, "https://kcnawatch.org/article/163/", ALIASES)
    assert list(grouped) == [FISHERMEN]
    assert [c.timestamp for c in grouped[FISHERMEN].captures] == [
        "20260320080000",
        "20260315080000",
        "20260310080000",
        "20260301080000",
        "20260201080000",
    ]
    assert grouped[FISHERMEN].newest == spellings[4]


def test_an_article_is_grouped_under_the_crawls_own_host():
    origin = "http://127.0.0.1:8163/article/163/"
    grouped = article_captures([capture()], origin, ("localhost:8163", "kcnawatch.org"))
    assert list(grouped) == [FISHERMEN.replace("https://kcnawatch.org", "http://127.0.0.1:8163")]
    assert article_captures([capture()], origin, ("localhost:8163",)) == {}  # kcnawatch.org is not this site


def test_only_whole_captures_of_the_sites_article_pages_are_kept():
    kept = capture(timestamp="20260301080000")
    others = [
        capture(timestamp="20260310120000", status=302),  # the gate's redirect
        capture(timestamp="20260311120000", status=None),  # a revisit
        capture(timestamp="20260312120000", status=404),
        capture("https://kcnawatch.org/article/163/"),  # no article
        capture(
            "https://kcnawatch.net/newstream/1772240400-381500815/fishermen-bring-in-big-catch/"
        ),  # no name of the site
    ]
    grouped = article_captures([*others, kept], "https://kcnawatch.org/", ALIASES)
    assert grouped == {FISHERMEN: ArticleCaptures(FISHERMEN, (kept,))}


def test_captures_of_one_second_keep_the_indexs_order():
    first, second = capture("https://kcnawatch.org" + FISHERMEN[21:]), capture("https://kcnawatch.xyz" + FISHERMEN[21:])
    assert article_captures([first, second], "https://kcnawatch.org/", ALIASES)[FISHERMEN].captures == (first, second)
    assert article_captures([second, first], "https://kcnawatch.org/", ALIASES)[FISHERMEN].captures == (second, first)


LISTING_163 = "https://kcnawatch.org/article/163/"
SLICE_12 = (
    "https://kcnawatch.org/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=190163&sort=&to=24"
)


def test_the_captures_of_one_page_of_any_kind_in_every_spelling_newest_first():
    """A listing's captures under the site's names, in any spelling; another listing under the same prefix, a
    capture that is no whole page and a page off the site are not the page's."""
    kept = [
        capture("http://www.kcnawatch.xyz/article/163", "20260301000000"),
        capture("https://kcnawatch.org/article/163/?utm_source=x", "20260310000000"),
        capture("https://kcnawatch.org:443/article/163/", "20260305000000"),
    ]
    others = [
        capture("https://kcnawatch.org/article/1630/", "20260320000000"),  # under the prefix kcnawatch.org/article/163
        capture("https://kcnawatch.org/article/163/page/2/", "20260320000000"),
        capture("https://kcnawatch.org/article/163/", "20260321000000", status=301),
        capture("https://kcnawatch.net/article/163/", "20260322000000"),
    ]
    found = page_captures([*others, *kept, kept[0]], LISTING_163, "https://kcnawatch.org/article/163/", ALIASES)
    assert found == ArticleCaptures(LISTING_163, (kept[1], kept[2], kept[0]))
    assert page_captures(others, LISTING_163, LISTING_163, ALIASES).captures == ()


def test_a_slices_captures_are_those_of_its_source_id_and_offset_whatever_else_they_asked():
    """The site's script asks a slice with a ``to`` of its own reading, the crawl with another: the same slice."""
    ajax = "https://kcnawatch.org/wp-admin/admin-ajax.php?action=get_cat_by_source"
    same = [
        capture(f"{ajax}&die=true&from=12&to=12&id=190163", "20260310000000"),
        capture(f"{ajax}&id=190163&from=12", "20260301000000"),
    ]
    others = [
        capture(f"{ajax}&die=true&from=24&to=12&id=190163", "20260311000000"),  # the next offset
        capture(f"{ajax}&die=true&from=12&to=12&id=990010", "20260311000000"),  # another source
        capture("https://kcnawatch.org/wp-admin/admin-ajax.php?action=other&from=12&id=190163", "20260311000000"),
    ]
    found = page_captures([*others, *same], SLICE_12, LISTING_163, ALIASES)
    assert found.captures == tuple(same)


def test_the_next_older_capture_passes_over_those_with_the_same_bytes():
    gate = capture(timestamp="20260320000000", digest="GATE")
    same_gate = capture(timestamp="20260319000000", digest="GATE")
    unknown = capture(timestamp="20260318000000", digest=None)
    whole = capture(timestamp="20260301000000", digest="WHOLE")
    article = ArticleCaptures(FISHERMEN, (gate, same_gate, unknown, whole))
    assert article.older_than(gate) == unknown
    assert article.older_than(same_gate) == unknown
    assert article.older_than(unknown) == whole
    assert article.older_than(whole) is None
    assert ArticleCaptures(FISHERMEN, (gate, same_gate)).older_than(gate) is None


# Where a capture is read.


def test_a_capture_is_read_from_the_raw_replay():
    read = capture_fetch(WAYBACK, capture(timestamp="20260301080312"))
    assert read.value.url == f"https://web.archive.org/web/20260301080312id_/{FISHERMEN}"
    assert (read.value.byte_range, read.problems) == (None, ())


def test_with_a_warc_prefix_a_capture_is_read_by_the_byte_range_of_its_record():
    located = capture(location=WarcLocation("crawl-data/CC-MAIN-2025-47/warc/a b.warc.gz", 1000, 4210))
    read = capture_fetch(COMMON_CRAWL, located)
    assert read.value.url == "https://data.commoncrawl.org/crawl-data/CC-MAIN-2025-47/warc/a%20b.warc.gz"
    assert read.value.byte_range == "bytes=1000-5209"
    assert WarcLocation("f", 0, 1).byte_range == "bytes=0-0"  # one byte: its first is its last
    assert WarcLocation("f", 7, 2).byte_range == "bytes=7-8"


def test_a_capture_the_index_does_not_locate_cannot_be_read_by_byte_range():
    read = capture_fetch(COMMON_CRAWL, capture())
    assert read.value is None
    assert stats_of(read.problems) == [stats.CAPTURES_WITHOUT_LOCATION]
    assert "unset VOK_ARCHIVE_WARC" in read.problems[0].message


def test_a_capture_is_dated_in_utc():
    assert capture(timestamp="20260301235959").captured_at == "2026-03-01T23:59:59Z"


# A WARC record from the bytes of its range.


def warc_record(
    url: str = FISHERMEN,
    body: bytes = b"<html>whole</html>",
    headers: list[tuple[str, str]] | None = None,
    kind: str = "response",
    compress: bool = True,
) -> bytes:
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=compress, warc_version="1.1")
    http = StatusAndHeaders("200 OK", headers or [("Content-Type", "text/html")], protocol="HTTP/1.1")
    if kind == "warcinfo":
        writer.write_record(writer.create_warcinfo_record("a.warc.gz", {"software": "tests"}))
    else:
        writer.write_record(
            writer.create_warc_record(
                url,
                kind,
                payload=BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": "2026-03-01T08:00:00Z"},
            )
        )
    return buffer.getvalue()


def located(data: bytes) -> Capture:
    return capture(location=WarcLocation("a.warc.gz", 0, len(data)))


@pytest.mark.parametrize("compress", [True, False], ids=["gzip member", "plain"])
def test_a_warc_record_read_from_its_bytes_gives_the_response_it_kept(compress):
    data = warc_record(compress=compress)
    read = read_capture_record(data, located(data))
    assert read.problems == ()
    response = read.value
    assert (response.url, response.date, response.status) == (FISHERMEN, "2026-03-01T08:00:00Z", 200)
    assert (response.headers, response.body) == ((("Content-Type", "text/html"),), b"<html>whole</html>")


def test_a_record_is_handed_on_decoded_of_its_content_and_transfer_codings():
    page = b"<html>" + "한국어 ".encode() * 50 + b"</html>"
    body = gzip.compress(page)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    data = warc_record(body=chunked, headers=headers)
    response = read_capture_record(data, located(data)).value
    assert (response.body, response.headers) == (page, (("Content-Type", "text/html"),))


def test_a_record_whose_url_the_index_escaped_is_the_captures():
    data = warc_record("https://kcnawatch.org/newstream/1772240400-1/조선/")
    escaped = replace(located(data), url="https://kcnawatch.org/newstream/1772240400-1/%EC%A1%B0%EC%84%A0/")
    read = read_capture_record(data, escaped)
    assert (read.value.url, read.problems) == ("https://kcnawatch.org/newstream/1772240400-1/조선/", ())


def test_bytes_that_are_not_the_captures_record_are_a_problem():
    data = warc_record()
    other_url = warc_record("https://kcnawatch.org/article/163/")
    request, warcinfo = warc_record(kind="request"), warc_record(kind="warcinfo")  # each of its own length
    cases = {
        "cut": (data[:-1], located(data)),  # one byte short of the index's length
        "longer": (data + b"\0", located(data)),  # one more: a whole file, or the next record's start
        "other URL": (other_url, located(other_url)),
        "request": (request, located(request)),
        "warcinfo": (warcinfo, located(warcinfo)),
        "no WARC": (b"<html>Not Found</html>", located(b"<html>Not Found</html>")),
        "nothing": (b"", capture()),
    }
    for name, (bytes_, captured) in cases.items():
        read = read_capture_record(bytes_, captured)
        assert read.value is None, name
        assert stats_of(read.problems) == [stats.CAPTURES_RECORDS_UNREAD], name
    assert read_capture_record(data, located(data)).value is not None  # the exact length is read


# The tests' archive: each capture is what it says it is.


def test_each_capture_of_the_tests_archive_gives_what_it_is_said_to():
    for captured in web_archives.archive_captures():
        response = HtmlResponse(url=captured.url, body=captured.body, encoding="utf-8")
        page = ArticlePage(response.selector, captured.url, "https://kcnawatch.org/", ALIASES)
        if captured.kind in ("whole", "changed"):
            assert nk_pro_gate(page) is None, captured.url
            assert record(page) == captured.record, captured.url
        elif captured.kind == "gated":
            assert nk_pro_gate(page) is not None, captured.url
        elif captured.kind == "other_source":
            assert record(page)["source"] == "KCNA (EN)", captured.url
        else:
            assert (captured.status, captured.body) == (302, b""), captured.url
