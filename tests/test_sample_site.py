"""The sample server, for real on 127.0.0.1: slices under each reading of ``to``,
their controls, the loop, the NK Pro gate in its three forms, and the samples'
own facts (posting dates from URL epochs, the cookies file)."""

from __future__ import annotations

import html
import json
import re
import urllib.request
from datetime import datetime, timedelta, timezone
from http.cookiejar import MozillaCookieJar
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import pytest_twisted
from lxml import html as lxml_html
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody
from twisted.web.http_headers import Headers

from tests.conftest import RECORD_FIELDS, SAMPLE_SITE, serve
from vok_crawler.tools.sample_site import SOURCE_ID, SUBSCRIBER_COOKIE, SUBSCRIBER_SECRET, SampleSite

COOKIES = SAMPLE_SITE.parent / "cookies.txt"
GATES = json.loads((SAMPLE_SITE / "nkpro-gates.json").read_text())
SUBSCRIBER = f"theme=dark; {SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}; other=1"
BLOCK = re.compile(r'<div class="article-desc">')
HREF = re.compile(r'<h4><a href="([^"]+)"|<a class="thumb" href="([^"]+)"')
TOTAL = len(BLOCK.findall((SAMPLE_SITE / f"wp-admin/admin-ajax/{SOURCE_ID}.html").read_text()))
KST = timezone(timedelta(hours=9))


def slice_path(start: int, to: int, source_id: str = SOURCE_ID, action: str = "get_cat_by_source") -> str:
    return f"/wp-admin/admin-ajax.php?action={action}&die=true&from={start}&to={to}&sort=&id={source_id}"


@inlineCallbacks
def get(origin: str, path: str, cookie: str | None = None):
    """(status, headers, body text) of one request; redirects are not followed."""
    from twisted.internet import reactor

    headers = Headers({"Cookie": [cookie]} if cookie else {})
    response = yield Agent(reactor).request(b"GET", (origin + path).encode(), headers)
    body = yield readBody(response)
    return response.code, response.headers, body.decode("utf-8")


def links(fragment: str) -> list[str]:
    """The article each block links, in order (``h4`` link, else the thumbnail's)."""
    blocks = BLOCK.split(fragment)[1:]
    return [next(h for h in HREF.search(block).groups() if h) for block in blocks]


def more(fragment: str) -> str | None:
    match = re.search(r'class="more-articles"[^>]*', fragment)
    return match[0] if match else None


@inlineCallbacks
def walk(origin: str, start: int, size: int, to_of):
    """Slices from ``start``, ``size`` at a time, until an empty one: their blocks' links."""
    seen = []
    while True:
        status, _, body = yield get(origin, slice_path(start, to_of(start, size)))
        assert status == 200
        found = links(body)
        if not found:
            return seen
        seen += found
        start += len(found)


@pytest_twisted.inlineCallbacks
def test_the_listing_shows_twelve_blocks_then_a_control_pointing_at_the_listing_itself():
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        status, headers, body = yield get(origin, "/article/163/")
    assert status == 200 and headers.getRawHeaders("Content-Type") == ["text/html; charset=UTF-8"]
    assert len(links(body)) == 12
    assert "kcnawatch.org" not in body and f"{origin}/newstream/" in body
    control = re.search(r'<a class="load-more"[^>]*', body)[0]
    assert f'href="{origin}/article/163/#"' in control  # as on the KCTV archive: the page itself
    assert 'data-from="12" data-to="12"' in control and f'data-id="{SOURCE_ID}"' in control


@pytest_twisted.inlineCallbacks
def test_count_reading_slices_are_bare_and_walk_the_whole_list():
    site = SampleSite(SAMPLE_SITE)
    with serve(site) as origin:
        _, _, listing = yield get(origin, "/article/163/")
        _, _, first = yield get(origin, slice_path(12, 12))
        _, _, bigger = yield get(origin, slice_path(12, 24))
        _, _, whole = yield get(origin, slice_path(0, 1000))
        rest = yield walk(origin, 12, 12, lambda start, size: size)
    assert len(links(first)) == 12 and more(first) is None and "<html" not in first
    assert len(links(bigger)) == 24  # more than from..to: "to" is a count here
    assert links(whole)[:12] == links(listing) and len(links(whole)) == TOTAL
    assert links(first)[0] == links(listing)[-1]  # the listing's last block opens the first slice again
    assert links(listing) + rest == links(whole)
    assert site.hits[slice_path(12, 12)] == 2


@pytest_twisted.inlineCallbacks
def test_end_reading_slices_read_to_as_an_end_index():
    with serve(SampleSite(SAMPLE_SITE, to_reading="end")) as origin:
        _, _, first = yield get(origin, slice_path(12, 24))
        status, headers, nothing = yield get(origin, slice_path(12, 12))  # to at from: nothing asked
        rest = yield walk(origin, 12, 12, lambda start, size: start + size)
        _, _, whole = yield get(origin, slice_path(0, 1000))
    assert len(links(first)) == 12
    assert (status, nothing) == (200, "") and headers.getRawHeaders("Content-Type") == ["text/html; charset=UTF-8"]
    assert links(whole)[12:] == rest


@pytest_twisted.inlineCallbacks
def test_fixed_reading_ignores_to():
    with serve(SampleSite(SAMPLE_SITE, to_reading="fixed")) as origin:
        _, _, one = yield get(origin, slice_path(12, 1))
        _, _, many = yield get(origin, slice_path(12, 500))
        _, _, end = yield get(origin, slice_path(TOTAL - 3, 0))
    assert len(links(one)) == len(links(many)) == 12 and links(one) == links(many)
    assert len(links(end)) == 3


@pytest_twisted.inlineCallbacks
def test_empty_slices_and_other_actions():
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        past = yield get(origin, slice_path(TOTAL, 12))
        wrong_id = yield get(origin, slice_path(12, 12, source_id="163"))
        not_a_number = yield get(
            origin, "/wp-admin/admin-ajax.php?action=get_cat_by_source&from=x&to=12&id=" + SOURCE_ID
        )
        other = yield get(origin, slice_path(12, 12, action="get_sources"))
    for status, headers, body in (past, wrong_id, not_a_number):
        assert (status, body) == (200, "") and headers.getRawHeaders("Content-Type") == ["text/html; charset=UTF-8"]
    assert other[0] == 400


@pytest.mark.parametrize("reading", ["count", "end", "fixed"])
@pytest_twisted.inlineCallbacks
def test_href_controls_lead_through_every_block_then_stop(reading):
    with serve(SampleSite(SAMPLE_SITE, to_reading=reading, slice_control="href")) as origin:
        _, _, whole = yield get(origin, slice_path(0, 1000) if reading != "fixed" else slice_path(0, 0))
        path, seen, slices = slice_path(12, 24 if reading == "end" else 12), [], 0
        while path:
            status, _, body = yield get(origin, path)
            assert status == 200
            seen += links(body)
            slices += 1
            control = more(body)
            path = control and unquote(re.search(r'href="([^"]+)"', control)[1]).replace("&amp;", "&").removeprefix(
                origin
            )
    assert slices == -(-(TOTAL - 12) // 12)
    assert len(seen) == TOTAL - 12
    if reading != "fixed":
        assert links(whole)[12:] == seen


@pytest_twisted.inlineCallbacks
def test_data_controls_give_the_next_from_and_the_last_slice_has_none():
    with serve(SampleSite(SAMPLE_SITE, slice_control="data")) as origin:
        _, _, first = yield get(origin, slice_path(12, 12))
        _, _, last = yield get(origin, slice_path(TOTAL - 5, 12))
    assert more(first) == f'class="more-articles" data-from="24" data-to="12" data-id="{SOURCE_ID}"'
    assert "<button" in first and "href" not in more(first)
    assert len(links(last)) == 5 and more(last) is None


@pytest.mark.parametrize("reading, to", [("count", "12"), ("end", "24")])
@pytest_twisted.inlineCallbacks
def test_loop_the_last_slice_links_back_to_the_first(reading, to):
    with serve(SampleSite(SAMPLE_SITE, to_reading=reading, loop=True)) as origin:
        _, _, middle = yield get(origin, slice_path(12, 12 if reading == "count" else 24))
        _, _, last = yield get(origin, slice_path(TOTAL - 5, 12 if reading == "count" else TOTAL))
        _, _, past = yield get(origin, slice_path(TOTAL, 12 if reading == "count" else TOTAL + 12))
    assert more(middle) is None and past == ""
    href = re.search(r'href="([^"]+)"', more(last))[1].replace("&amp;", "&")
    assert href.startswith(f"{origin}/wp-admin/admin-ajax.php?")
    query = parse_qs(urlsplit(href).query, keep_blank_values=True)
    assert (query["from"], query["to"], query["id"], query["action"]) == (
        ["12"],
        [to],
        [SOURCE_ID],
        ["get_cat_by_source"],
    )


def gated(form: str) -> str:
    [path] = [path for path, kind in GATES.items() if kind == form]
    return path


def expected(path: str) -> dict:
    return json.loads((SAMPLE_SITE / path.strip("/") / "expected.json").read_text())


def test_three_articles_are_gated_one_form_each():
    assert sorted(GATES.values()) == ["member-form", "offsite", "paywall"]
    for path in GATES:
        assert (SAMPLE_SITE / path.strip("/") / "expected.json").is_file()  # a subscriber's record


@pytest_twisted.inlineCallbacks
def test_paywall_without_the_cookie_the_whole_article_with_it():
    path = gated("paywall")
    body_text = expected(path)["body"]
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        stranger = yield get(origin, path)
        wrong = yield get(origin, path, cookie=f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}x")
        subscriber = yield get(origin, path, cookie=SUBSCRIBER)
    for status, _, body in (stranger, wrong):
        content = body.split('<div class="article-content">')[1].split("</article>")[0]
        assert status == 200
        assert '<div class="nk-paywall-free-member-form"><div class="free-member-form-inner">' in content
        assert "Upgrade to NK PRO" in content and body_text.split("\n\n")[-1] not in html.unescape(body)
    status, _, body = subscriber
    assert status == 200 and "nk-paywall" not in body and body_text.split("\n\n")[-1] in html.unescape(body)


@pytest_twisted.inlineCallbacks
def test_member_form_gate_redirects_on_the_site():
    path = gated("member-form")
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        status, headers, _ = yield get(origin, path)
        [location] = headers.getRawHeaders("Location")
        form = yield get(origin, location.removeprefix(origin))
        subscriber = yield get(origin, path, cookie=SUBSCRIBER)
    assert status == 302
    assert location.startswith(f"{origin}/free-member-form/?redirect_to=")
    assert parse_qs(urlsplit(location).query)["redirect_to"] == [origin + path]
    assert form[0] == 200 and "free-member-form-inner" in form[2] and "article-content" not in form[2]
    assert subscriber[0] == 200 and expected(path)["body"].split("\n\n")[0] in html.unescape(subscriber[2])


@pytest_twisted.inlineCallbacks
def test_offsite_gate_redirects_to_nk_news():
    path = gated("offsite")
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        status, headers, _ = yield get(origin, path)
        subscriber = yield get(origin, path, cookie=SUBSCRIBER)
    [location] = headers.getRawHeaders("Location")
    assert status == 302 and location.startswith("https://www.nknews.org/free-member-form/?")
    assert parse_qs(urlsplit(location).query)["redirect_to"] == [origin + path]
    assert subscriber[0] == 200 and "nk-paywall" not in subscriber[2]


TRAP = "/newstream/1772500800-381500836/science-and-technology-dissemination-network-expanded/"
SEED = "newstream/1770848000-381500820/normalized-production-and-quality-improvement-promoted"
CALL_WORDS = "Upgrade to NK PRO today"


@pytest_twisted.inlineCallbacks
def test_the_teaser_trap_is_no_gate():
    """Teasers ending with the gate's words (a call to subscribe, no part of their text), of an article with no gate."""
    assert TRAP not in GATES
    [trap] = [item for item in expected(TRAP)["related"] + expected(f"/{SEED}/")["related"] if TRAP in item["url"]]
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        _, _, listing = yield get(origin, "/article/163/")
        status, _, page = yield get(origin, TRAP)
    assert f"{trap['teaser'].removesuffix('…')}&hellip; <a href" in listing and f"{CALL_WORDS}</a></p>" in listing
    content = page.split('<div class="article-content">')[1].split("</article>")[0]
    assert status == 200 and "nk-paywall" not in page and "NK PRO" not in content


def block_shape(block) -> tuple[str, ...]:
    """A teaser block's shape, by its markup: which of the site's parts hold what."""
    classes = [set(e.get("class", "").split()) for e in block.iter()]
    return (
        "h4" if block.xpath(".//h4") else "no h4",
        "img in h4" if block.xpath(".//h4/img") else "",
        "p.excerpt" if any("excerpt" in c for c in classes) else "",
        "hover" if any("hover-excerpt" in c for c in classes) else "",
        "layout p" if block.xpath(".//p[contains(@class, 'col-')]") else "",
        "beside its thumbnail" if block.getparent().tag == "article" else "",
    )


def test_every_teaser_shape_ends_with_a_call_to_subscribe_in_every_more_from_block():
    """The seed's "More From" block (every article shows the same latest 12): each shape with a call, link or words."""
    root = lxml_html.fromstring((SAMPLE_SITE / SEED / "index.html").read_bytes())
    blocks = root.xpath("//section[@class='more-from']//div[@class='article-desc']")
    calls = [b for b in blocks if CALL_WORDS in b.text_content()]
    assert len({block_shape(b) for b in calls}) == 5
    assert {bool(b.xpath(".//a[contains(@href, '/pro/subscribe/')]")) for b in calls} == {True, False}
    titles = {b.xpath("string(.//h4/a)") or b.xpath("string(.//img/@alt)") for b in calls}
    teasers = {item["title"]: item["teaser"] for item in expected(f"/{SEED}/")["related"]}
    assert all(teasers[title].endswith("…") and "NK PRO" not in teasers[title] for title in titles)


@pytest_twisted.inlineCallbacks
def test_slash_redirect_404_robots_and_flaky():
    article = "/newstream/1771280000-381500825/ceramic-tea-set/"
    site = SampleSite(SAMPLE_SITE, flaky={article})
    with serve(site) as origin:
        moved = yield get(origin, article.rstrip("/") + "?utm_source=x")
        missing = yield get(origin, "/newstream/1770000000-381500800/withdrawn-report/")
        robots = yield get(origin, "/robots.txt")
        first = yield get(origin, article)
        second = yield get(origin, article)
        hidden = yield get(origin, "/nkpro-gates.json")
    assert moved[0] == 301 and moved[1].getRawHeaders("Location") == [article + "?utm_source=x"]
    assert missing[0] == 404 and hidden[0] == 404
    assert robots[0] == 200 and robots[2].startswith("User-agent: *")
    assert (first[0], second[0]) == (503, 200)
    assert site.hits[article] == 2


def test_the_cookies_file_is_what_a_browser_extension_exports():
    lines = COOKIES.read_text().splitlines()
    assert lines[0] == "# Netscape HTTP Cookie File"
    rows = [line.split("\t") for line in lines if line and (not line.startswith("#") or line.startswith("#HttpOnly_"))]
    assert all(len(row) == 7 for row in rows)
    assert ["#HttpOnly_127.0.0.1", "FALSE", "/", "FALSE", "0", SUBSCRIBER_COOKIE, SUBSCRIBER_SECRET] in rows
    jar = MozillaCookieJar(str(COOKIES))
    jar.load(ignore_expires=True, ignore_discard=True)  # expiry 0 is a session cookie, not one long expired
    cookies = {c.name: c for c in jar}
    assert cookies[SUBSCRIBER_COOKIE].domain == "127.0.0.1" and cookies[SUBSCRIBER_COOKIE].has_nonstandard_attr(
        "HTTPOnly"
    )
    assert [c.domain for c in jar if c.name != SUBSCRIBER_COOKIE] == [".nknews.org"]
    for cookie in jar:
        if cookie.expires == 0:
            cookie.expires, cookie.discard = None, True
    request = urllib.request.Request("http://127.0.0.1:8163/newstream/1-1/x/")
    jar.add_cookie_header(request)
    assert request.get_header("Cookie") == f"{SUBSCRIBER_COOKIE}={SUBSCRIBER_SECRET}"  # the nknews.org one stays home


def test_expected_records_take_their_posting_date_from_the_url_in_korea_time():
    records = [json.loads(p.read_text()) for p in sorted(SAMPLE_SITE.glob("newstream/*/*/expected.json"))]
    assert len(records) >= 40
    utc_days_differ = 0
    for record in records:
        assert list(record) == RECORD_FIELDS
        epoch = int(re.search(r"/newstream/(\d+)-", record["url"])[1])
        instant = datetime.fromtimestamp(epoch, KST)
        assert (record["posted"], record["posted_at"]) == (instant.date().isoformat(), instant.isoformat())
        utc_days_differ += datetime.fromtimestamp(epoch, timezone.utc).date() != instant.date()
        assert record["url"] not in [item["url"] for item in record["related"]]
    assert utc_days_differ >= 2


def test_article_headers_show_the_day_viewed_not_the_day_posted():
    for page in SAMPLE_SITE.glob("newstream/*/*/index.html"):
        header = re.search(r'<p class="articled-date">(.*?)</p>', page.read_text())[1]
        assert re.fullmatch(
            r'<span class="date-long">November 23, 2026</span> ?<span class="date-short">Nov 23, 2026</span>', header
        )
