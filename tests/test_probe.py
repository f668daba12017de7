"""``scrapy probe``, run as a user runs it (a subprocess in the project root) against loopback copies of the samples."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.utils import getProcessOutputAndValue
from twisted.web.server import Request

from tests.conftest import COOKIES, ROOT, SAMPLE_SITE, second_name, serve
from tests.fault_site import FaultySite
from tests.test_fixtures import article_page, record
from vok_crawler.tools.sample_site import SUBSCRIBER_SECRET, SampleSite

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
LISTING = "/article/163/"
FIRST_ARTICLE = "/newstream/1770675200-381500818/party-policy-explained-to-working-people/"
PAYWALLED = "/newstream/1771625600-381500829/press-statement-of-spokesperson-for-dprk-foreign-ministry/"
MEMBER_FORM = "/newstream/1772409900-381500832/report-on-enlarged-meeting-of-wpk-central-military-commission/"
# Every value of the samples' cookies file, the stranger's (nknews.org) included.
SECRETS = [line.split("\t")[-1] for line in COOKIES.read_text().splitlines() if line.count("\t") == 6]


def probe(*args: str):
    """``scrapy probe ARGS`` in the project root; fires with (stdout, stderr, exit code) as text."""
    command = ["-m", "scrapy", "probe", *args, *FAST]
    running = getProcessOutputAndValue(sys.executable, command, env=dict(os.environ), path=str(ROOT))
    return running.addCallback(lambda result: (result[0].decode(), result[1].decode(), result[2]))


def row(out: str, field: str) -> list[str]:
    """The table's row of ``field``: [name, found/fallback/MISSING, rule, value] (columns two spaces apart at least)."""
    line = next(line for line in out.splitlines() if line.startswith(f"{field} "))
    return re.split(r"\s{2,}", line, maxsplit=3)


def broken_copy(tmp_path: Path, drop_title: bool = False) -> Path:
    """The samples with the article's own classes renamed (and no og:title, as in the samples): markup the crawler does not know."""
    site = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, site)
    for page in site.glob("newstream/*/*/*.html"):
        html = (
            page.read_text(encoding="utf-8")
            .replace("article-title", "headline")
            .replace("article-content", "story-text")
        )
        assert 'property="og:title"' not in html
        page.write_text(re.sub(r"<title>.*?</title>", "", html) if drop_title else html, encoding="utf-8")
    return site


@pytest_twisted.inlineCallbacks
def test_the_samples_are_understood(sample_server):
    """Exit 0; the table names the route, the source id, every field with its rule, and few requests were made."""
    sample_server.resource.flaky.clear()
    out, err, code = yield probe(
        sample_server.origin + LISTING, "-s", f"VOK_HOST_ALIASES={second_name(sample_server.origin)}"
    )
    assert code == 0, out + err[-3000:]
    assert "asked           5 requests, robots.txt obeyed, at least 0 s apart, as 'vok_crawler/" in out
    assert "cookies         none" in out
    assert "route data: data-id on a script-driven control" in out
    assert "source id 190163, slice size 12" in out
    assert re.search(
        r"^listing teasers 12; first: 'Party policy explained to working people' \(2026-02-10\)", out, re.MULTILINE
    )
    assert re.search(r"^slice teasers +\d+; first: ", out, re.MULTILINE)
    assert (
        f"next slice      {sample_server.origin}/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=190163"
        in out
    )
    assert row(out, "url")[1:3] == ["found", "link[rel=canonical]"]
    assert row(out, "url")[3] == sample_server.origin + FIRST_ARTICLE
    assert row(out, "title") == ["title", "found", "h1.article-title", "Party policy explained to working people"]
    assert row(out, "published")[1:] == ["found", "p.article-meta Date:", "2026-02-19"]
    assert row(out, "posted")[1:] == ["found", "URL epoch", "2026-02-10"]
    assert row(out, "posted_at")[3] == "2026-02-10T07:13:20+09:00"
    assert row(out, "source")[1:] == ["found", "p.article-meta Source:", "Voice of Korea (EN)"]
    assert row(out, "body")[1:3] == ["found", "div.article-content"]
    assert row(out, "related")[1:3] == ["found", "teaser blocks"]
    assert "gate            none" in out
    assert out.rstrip().endswith("verdict: OK: the crawler understands these pages")
    assert_the_2026_lines(out, sample_server.origin)
    assert_few_requests(sample_server.resource, sample_server.origin)


def assert_few_requests(resource: SampleSite, origin: str) -> None:
    """robots.txt, the listing, the slice, the article and one search day: on the crawl's own host only."""
    asked = sorted(resource.hits)
    assert len(asked) == 5 and asked[0].startswith("/?") and "/robots.txt" in asked, asked
    assert sum(resource.hits.values()) == 5
    assert set(resource.hosts) == {origin.removeprefix("http://")}


def assert_the_2026_lines(out: str, origin: str) -> None:
    """The control's href that is the page itself, the host names (the alias known), teaser text, the search."""
    # The listing's control points at the listing itself; the site's second name is a known alias.
    assert f"control href {origin}{LISTING} (the page itself: no href)" in out
    host = origin.removeprefix("http://")
    assert re.search(rf"^hosts +{re.escape(host)} \(the crawl's, \d+ links?\)$", out, re.MULTILINE)
    assert re.search(rf"^ +{re.escape(second_name(origin))} \(alias, \d+ links?\)$", out, re.MULTILINE)
    assert out.count("teaser text found in every block") == 2
    # The search road for the article's day (its published date) shows it.
    assert re.search(r"^search +2026-02-19: \d+; first: ", out, re.MULTILINE) and "the article is among them" in out


@pytest_twisted.inlineCallbacks
def test_broken_markup_is_not_understood_and_the_missing_fields_are_named(tmp_path):
    with serve(SampleSite(broken_copy(tmp_path))) as origin:
        out, err, code = yield probe(origin + LISTING)
    assert code == 1, out + err[-3000:]
    assert row(out, "title")[1:] == ["fallback", "<title>", "Party policy explained to working people"]
    assert row(out, "body")[1:] == ["MISSING", "-"]
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("verdict: NOT UNDERSTOOD: article: body MISSING"), verdict
    assert "found by fallback: title by <title>" in verdict


@pytest_twisted.inlineCallbacks
def test_without_any_title_both_missing_fields_are_named(tmp_path):
    with serve(SampleSite(broken_copy(tmp_path, drop_title=True))) as origin:
        out, err, code = yield probe(origin + LISTING)
    assert code == 1, out + err[-3000:]
    assert row(out, "title")[1:] == ["MISSING", "-"]
    assert "verdict: NOT UNDERSTOOD: article: title, body MISSING" in out


@pytest_twisted.inlineCallbacks
def test_a_listing_without_a_way_to_the_next_slice_is_not_understood(tmp_path):
    """No control, no id: the route is named as missing; with --source-id the slice is built and read."""
    site = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, site)
    listing = site / "article/163/index.html"
    listing.write_text(re.sub(r".*load-more.*\n", "", listing.read_text(encoding="utf-8")), encoding="utf-8")
    with serve(SampleSite(site)) as origin:
        out, err, code = yield probe(origin + LISTING)
        given, _, given_code = yield probe(origin + LISTING, "--source-id", "190163")
    assert code == 1, out + err[-3000:]
    assert "route none: none found" in out
    assert (
        "verdict: NOT UNDERSTOOD: More Articles: no next slice could be built (route none; give the source's id" in out
    )
    assert given_code == 0, given
    assert "from=12&id=190163" in given


SLICE_LINK = "https://kcnawatch.org/wp-admin/admin-ajax.php?action=get_cat_by_source&amp;die=true&amp;from=12&amp;to=12&amp;sort=&amp;id=190163"
CONTROLS = {
    "href": f'<a class="more-articles" href="{SLICE_LINK}">More Articles</a>',
    "script": '<script>var more = {"action": "get_cat_by_source", "from": 12, "to": 12, "id": "190163"};</script>',
}


@pytest.mark.parametrize("route", sorted(CONTROLS))
@pytest_twisted.inlineCallbacks
def test_each_route_to_the_next_slice_is_named(tmp_path, route):
    """The listing's control as a link, or only a slice's parameters in an inline script: the probe names the route it took."""
    site = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, site)
    listing = site / "article/163/index.html"
    listing.write_text(
        re.sub(r'<a class="load-more".*?</a>', CONTROLS[route], listing.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    with serve(SampleSite(site)) as origin:
        out, err, code = yield probe(origin + LISTING)
    assert code == 0, out + err[-3000:]
    assert f"route {route}: " in out
    assert "source id 190163" in out
    assert "verdict: OK" in out


@pytest_twisted.inlineCallbacks
def test_gated_articles_are_named_by_their_trace_and_open_with_the_cookies(sample_server):
    paywall, _, paywall_code = yield probe(sample_server.origin + PAYWALLED)
    redirect, _, redirect_code = yield probe(sample_server.origin + MEMBER_FORM)
    opened, _, opened_code = yield probe(sample_server.origin + MEMBER_FORM, "-s", f"VOK_COOKIES_FILE={COOKIES}")
    assert (paywall_code, redirect_code, opened_code) == (0, 0, 0)
    assert "gate            GATED by paywall markup" in paywall
    assert "article gated (paywall markup): give a subscriber's cookies" in paywall
    assert "gate            GATED by redirect to free-member-form" in redirect
    assert "gate            none" in opened
    assert row(opened, "title")[3] == "Report on enlarged meeting of WPK Central Military Commission"


class LeakySite(SampleSite):
    """The samples, with a server that sets a cookie and repeats the one it got in the page: a probe must save neither."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.agents: set[str] = set()  # the product part of each User-Agent seen

    def respond(self, request: Request) -> bytes | int:
        self.agents.add((request.getHeader("User-Agent") or "").split("/")[0])
        body = super().respond(request)
        request.setHeader("Set-Cookie", f"echo={SUBSCRIBER_SECRET}; Path=/")
        sent = request.getHeader("Cookie") or ""
        return body + f"\n<!-- {sent} -->\n".encode() if isinstance(body, bytes) else body


@pytest_twisted.inlineCallbacks
def test_save_writes_each_response_and_a_draft_record_without_any_cookie(tmp_path):
    saved, site = tmp_path / "saved", LeakySite(SAMPLE_SITE)
    with serve(site) as origin:
        out, err, code = yield probe(origin + LISTING, "--save", str(saved), "-s", f"VOK_COOKIES_FILE={COOKIES}")
    assert code == 0, out + err[-3000:]
    assert "cookies         from " in out and "sent with 5 requests" in out
    assert site.agents == {"vok_crawler"}  # the project's User-Agent, as the crawl asks
    names = sorted(path.name for path in saved.iterdir())
    assert names == [
        "1-listing.html",
        "1-listing.json",
        "2-slice.html",
        "2-slice.json",
        "3-article.html",
        "3-article.json",
        "4-search.html",
        "4-search.json",
        "expected.json",
    ]
    for path in saved.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not [secret for secret in SECRETS if secret in text], path.name
    assert not [secret for secret in SECRETS if secret in out + err]
    assert "[cookie value removed]" in (saved / "3-article.html").read_text(encoding="utf-8")
    info = json.loads((saved / "3-article.json").read_text(encoding="utf-8"))
    assert (info["url"], info["status"]) == (origin + FIRST_ARTICLE, 200)
    assert "Content-Type" in info["headers"]
    assert not [name for name in info["headers"] if "cookie" in name.lower()]
    # The folder is a fixture as it stands: the page object reads the saved page into the draft record,
    # and the draft is the samples' own hand-written record of that article.
    draft = json.loads((saved / "expected.json").read_text(encoding="utf-8"))
    assert record(article_page(saved)) == draft
    written = SAMPLE_SITE / FIRST_ARTICLE.strip("/") / "expected.json"
    wanted = json.loads(written.read_text(encoding="utf-8").replace("https://kcnawatch.org", origin))
    assert draft == {key: value for key, value in wanted.items() if key != "crawled_at"}


@pytest_twisted.inlineCallbacks
def test_a_reviewed_record_is_never_overwritten(sample_server, tmp_path):
    (tmp_path / "expected.json").write_text('{"reviewed": true}\n')
    out, err, code = yield probe(sample_server.origin + PAYWALLED, "--save", str(tmp_path))
    assert code == 0, out + err[-3000:]
    assert (tmp_path / "expected.json").read_text() == '{"reviewed": true}\n'
    assert "kept as it was" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "3-article.html",
        "3-article.json",
        "4-search.html",
        "4-search.json",
        "expected.json",
    ]


@pytest_twisted.inlineCallbacks
def test_a_cookies_file_that_does_not_fit_stops_the_probe_in_one_line(sample_server, tmp_path):
    _, missing, missing_code = yield probe(
        sample_server.origin + LISTING, "-s", f"VOK_COOKIES_FILE={tmp_path / 'none.txt'}"
    )
    other_host = sample_server.origin.replace("127.0.0.1", "localhost")
    _, stranger, stranger_code = yield probe(other_host + LISTING, "-s", f"VOK_COOKIES_FILE={COOKIES}")
    assert (missing_code, stranger_code) == (2, 2)
    missing_line, stranger_line = missing.splitlines()[-1], stranger.splitlines()[-1]  # as scrapy crawl says it
    assert missing_line.startswith("Error: VOK_COOKIES_FILE") and "could not be loaded" in missing_line
    assert stranger_line.startswith("Error: VOK_COOKIES_FILE") and "holds no cookie for" in stranger_line
    assert "Traceback" not in missing + stranger and not [secret for secret in SECRETS if secret in missing + stranger]


# The crawl's rule for links off the site: an article's path on a host none of the site's names is another host,
# whatever the host is called; a host called like the site with no article link is not.
ELSEWHERE = "elsewhere.invalid"  # reserved names (RFC 2606): links on the page, never asked for
LOOKALIKE = "kcnawatch.invalid"
OFF_SITE_LINKS = (
    f'<a href="https://{ELSEWHERE}/newstream/1770675200-381500818/party/">a</a>'
    f'<a href="https://{ELSEWHERE}/newstream/1770675200-381500818/party/">b</a>'
    f'<a href="https://{LOOKALIKE}/about/">c</a></body>'
).encode()


@pytest_twisted.inlineCallbacks
def test_teasers_without_text_and_article_links_on_another_host_are_named_as_the_crawl_names_them():
    hidden = re.compile(rb'<div class="hover-excerpt">.*?</div>|<p class="(?:excerpt|col-[^"]*)">.*?</p>', re.DOTALL)
    rewrite = [(LISTING, hidden, b""), (LISTING, b"</body>", OFF_SITE_LINKS)]
    with serve(FaultySite(SAMPLE_SITE, rewrite=rewrite)) as origin:
        out, err, code = yield probe(origin + LISTING)  # no VOK_HOST_ALIASES for localhost:P
    assert code == 0, out + err[-3000:]
    assert f"teaser text NOT found in 12: {origin}{FIRST_ARTICLE}, " in out
    # Named as the crawl's summary names them: the names in use, then each host in the order met (listing, slice).
    setting = f"VOK_HOST_ALIASES=kcnawatch.org,kcnawatch.xyz,{ELSEWHERE},{second_name(origin)}"
    takes = f"; -s {setting} takes them"
    # The samples' links to their second name (kcnawatch.xyz, served as localhost:P): article links on a host that
    # is none of the site's names, with no "kcnawatch" in it.
    hosts = re.findall(r"^(?:hosts)? +(\S+) \((another host|other), (\d+) links?(.*)\)$", out, re.MULTILINE)
    assert (second_name(origin), "another host", ": 1 article link a crawl does not follow" + takes) in [
        (host, kind, rest) for host, kind, _, rest in hosts
    ], out
    # Two links to one article URL: one article link, as the crawl counts it; a host called like the site with no
    # article link is no other name of it.
    assert (ELSEWHERE, "another host", "2", ": 1 article link a crawl does not follow" + takes) in hosts, out
    assert (LOOKALIKE, "other", "1", "") in hosts, out
    verdict = out.strip().splitlines()[-1]
    assert verdict == (
        "verdict: OK: the crawler understands these pages; 12 teasers without text; not followed by a crawl: "
        f"1 article link on {ELSEWHERE}, 1 article link on {second_name(origin)}, not among the site's host names "
        f"(VOK_HOST_ALIASES); if that is the site under another name, run with -s {setting}"
    ), verdict
    assert LOOKALIKE not in verdict


def test_the_table_says_no_secret_a_page_repeated():
    """One scrubber for all that leaves the process: a cookie value a page put in a field or a note is replaced."""
    from vok_crawler.crawl.probe.model import Probe
    from vok_crawler.crawl.probe.table import table
    from vok_crawler.store.secrets import REMOVED, Scrubber

    probe = Probe(start_url="http://127.0.0.1:8163/article/163/", notes=[f"the page said {SUBSCRIBER_SECRET}"])
    printed = table(probe, [SUBSCRIBER_SECRET, "en"])
    assert SUBSCRIBER_SECRET not in printed and f"the page said {REMOVED}" in printed
    scrubber = Scrubber([SUBSCRIBER_SECRET, SUBSCRIBER_SECRET + "-longer"])
    assert (
        scrubber.bytes(f"a={SUBSCRIBER_SECRET}-longer;b={SUBSCRIBER_SECRET}".encode())
        == f"a={REMOVED};b={REMOVED}".encode()
    )
    assert scrubber.text("en") == "en" and scrubber.removed == 2  # short values are no secret


@pytest_twisted.inlineCallbacks
def test_a_port_where_nothing_listens_is_a_probe_that_could_not_run(tmp_path):
    with socket.socket() as closed:  # a free port, closed again: nothing listens there
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    out, err, code = yield probe(f"http://127.0.0.1:{port}{LISTING}", "-s", "RETRY_TIMES=0")
    assert code == 2, out + err[-2000:]
    assert f"verdict: COULD NOT RUN: nothing answered at http://127.0.0.1:{port}{LISTING} (connection)" in out
    assert "NOT UNDERSTOOD" not in out
