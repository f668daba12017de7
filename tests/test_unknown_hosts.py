"""Article links on a host name the crawl does not take for the site's: not followed, and never in silence.

The samples link two articles only on the site's second name, which the
sample server serves as ``localhost:P``. Crawled as the README shows a user
crawling them (the samples served, no ``VOK_HOST_ALIASES`` given), those two
are off the site: the run names the host, the count and the setting that
takes them, in its log, summary and health report; ``check_day`` warns; and
the next run given that setting asks for exactly those two.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from tests.conftest import COOKIES, ROOT, SAMPLE_SITE, comparable, expected_records, read_jsonl, scrapy_output, serve
from tests.test_site_2026 import on_second_name_only
from vok_crawler import stats
from vok_crawler.crawl.following import LinksElsewhere
from vok_crawler.site.urls import aliases_setting, is_article_url
from vok_crawler.store.ledger import Ledger
from vok_crawler.tools.sample_site import ALIAS_HOST, SampleSite
from vok_crawler.wording import counted

LISTING = "/article/163/"
CHECK_DAY = ROOT / "vok_crawler" / "check_day.py"
PLAIN = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "LOG_LEVEL=INFO",
    "-s",
    f"VOK_COOKIES_FILE={COOKIES}",
]


def crawl_without_aliases(origin: str, corpus, *settings: str):
    """``scrapy crawl vok`` from the served samples with the project's own VOK_HOST_ALIASES (none given)."""
    return scrapy_output(
        "crawl", "vok", "-a", f"start_url={origin}{LISTING}", "-s", f"VOK_CORPUS={corpus}", *PLAIN, *settings
    )


def assert_named_in_the_log_and_summary(log: str, host: str, setting: str) -> None:
    """Once in the log (a WARNING with the host, the first link and the setting), in the summary, in the stats."""
    warned = [line for line in log.splitlines() if "Not following article links on" in line]
    assert len(warned) == 1 and "WARNING" in warned[0] and f" on {host} (http://{host}/newstream/" in warned[0]
    assert f"run with -s {setting} (the next run asks for them)" in warned[0]
    [summary] = [line for line in log.splitlines() if "Summary:" in line]
    assert f"Not followed: 2 article links on {host}, not among the site's host names" in summary
    assert f"run with -s {setting} (the next run asks for them). Ran " in summary
    assert f"'{stats.unknown_host(host)}': 2," in log


def check_day(health: Path) -> subprocess.CompletedProcess[str]:
    """``check_day.py`` as cron runs it, on ``health``."""
    return subprocess.run([sys.executable, str(CHECK_DAY), str(health)], capture_output=True, text=True, timeout=60)


@pytest_twisted.inlineCallbacks
def test_article_links_on_a_host_not_among_the_sites_names_are_named_with_the_setting_that_takes_them(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    health_file = corpus.with_name("vok.health.json")
    site = SampleSite(SAMPLE_SITE)
    with serve(site) as origin:
        host = f"{ALIAS_HOST}:{origin.rsplit(':', 1)[1]}"
        setting = f"VOK_HOST_ALIASES=kcnawatch.org,kcnawatch.xyz,{host}"
        _, err, code = yield crawl_without_aliases(origin, corpus)
        assert code == 0, err.decode()[-3000:]
        only_there = on_second_name_only(origin)
        assert len(only_there) == 2
        written = {record["url"] for record in read_jsonl(corpus)}
        assert written == set(expected_records(origin)) - only_there  # every other article, and not those two
        assert_named_in_the_log_and_summary(err.decode(), host, setting)
        # ... and in the health report, which check_day reads: a good day, with a warning.
        health = json.loads(health_file.read_text())
        assert health["finish_reason"] == "finished"
        assert health["unknown_hosts"] == {"article_links": {host: 2}, "setting": setting}
        checked = yield deferToThread(check_day, health_file)
        assert checked.returncode == 0, checked.stderr
        said = f"article links not followed, their host not among the site's names: 2 on {host}; "
        assert checked.stderr.splitlines() == [
            f"WARNING: {said}if that is the site under another name, run with -s {setting}"
        ]
        # The next run given that setting asks for those two, and walks nothing.
        site.hits.clear()
        _, err, code = yield crawl_without_aliases(origin, corpus, "-s", health["unknown_hosts"]["setting"])
    assert code == 0, err.decode()[-3000:]
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin).values())
    assert set(site.hits) == {"/robots.txt", LISTING} | {url.removeprefix(origin) for url in only_there}
    assert json.loads(health_file.read_text())["unknown_hosts"] == {"article_links": {}, "setting": None}
    assert json.loads(corpus.with_name("vok.state.json").read_text())["elsewhere"] == []


@pytest_twisted.inlineCallbacks
def test_a_run_still_without_the_setting_names_them_again_and_remembers_them(tmp_path):
    """An incremental run does not walk to the deep slices that link them: the state keeps them, the run tells them."""
    corpus = tmp_path / "vok.jsonl"
    with serve(SampleSite(SAMPLE_SITE)) as origin:
        yield crawl_without_aliases(origin, corpus)
        first = json.loads(corpus.with_name("vok.state.json").read_text())["elsewhere"]
        _, err, code = yield crawl_without_aliases(origin, corpus)
    host = f"{ALIAS_HOST}:{origin.rsplit(':', 1)[1]}"
    assert code == 0, err.decode()[-3000:]
    assert len(first) == 2 and all(url.startswith(f"http://{host}/newstream/") for url in first)
    assert json.loads(corpus.with_name("vok.state.json").read_text())["elsewhere"] == first
    assert json.loads(corpus.with_name("vok.health.json").read_text())["unknown_hosts"]["article_links"] == {host: 2}


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("http://localhost:8163/newstream/1769646780-381500702/new-varieties-of-rice-developed/", True),
        ("https://www.kcnawatch.xyz/newstream/1712095526-381500950/Talks-Held", True),
        ("https://kcnawatch.net/newstream/1-1/", True),
        ("https://kcnawatch.net/newstream/1769646780/no-id/", False),
        ("https://kcnawatch.net/article/163/", False),
        ("https://www.nknews.org/2026/03/newstream-of-news/", False),
        ("https://example.org/?next=/newstream/1-1/", False),
    ],
)
def test_an_article_url_is_known_by_its_path_on_any_host(url, article):
    assert is_article_url(url) is article


def test_the_setting_that_takes_a_host_keeps_the_sites_names_first_and_each_once():
    assert aliases_setting(("kcnawatch.org", "kcnawatch.xyz"), ["localhost:8163"]) == (
        "VOK_HOST_ALIASES=kcnawatch.org,kcnawatch.xyz,localhost:8163"
    )
    assert aliases_setting((), ["a.org", "b.org", "a.org"]) == "VOK_HOST_ALIASES=a.org,b.org"


def test_links_elsewhere_are_counted_by_host_from_the_counters_alone():
    counters = {stats.unknown_host("a.org"): 1, stats.unknown_host("b.org:81"): 3, stats.error("http_404"): 1}
    found = LinksElsewhere.from_counters(counters, ("kcnawatch.org",))
    assert found.report() == {
        "article_links": {"a.org": 1, "b.org:81": 3},
        "setting": "VOK_HOST_ALIASES=kcnawatch.org,a.org,b.org:81",
    }
    assert found.sentence().startswith("Not followed: 1 article link on a.org, 3 article links on b.org:81, not among")
    assert LinksElsewhere.from_counters({}, ("kcnawatch.org",)) == LinksElsewhere({}, None)
    assert LinksElsewhere({}, None).sentence() == ""


def test_the_ledger_remembers_an_article_linked_elsewhere_until_it_is_read():
    elsewhere = "http://localhost:8163/newstream/1-1/a/"
    ledger = Ledger(corpus=set())
    ledger.tell(elsewhere, "elsewhere")
    assert ledger.remembered()["elsewhere"] == [elsewhere] and ledger.to_ask_again() == [elsewhere]
    assert ledger.left_over() == ([], [])  # neither pending nor gated: nothing was asked
    ledger.tell(elsewhere, "read")
    assert ledger.remembered()["elsewhere"] == [] and ledger.to_ask_again() == []
    known = Ledger(corpus={elsewhere}, elsewhere=[elsewhere])
    assert known.remembered()["elsewhere"] == [] and known.to_ask_again() == []


@pytest.mark.parametrize(
    ("count", "words"),
    [(0, "0 errors"), (1, "1 error"), (2, "2 errors")],
)
def test_a_count_is_said_in_the_singular_only_for_one(count, words):
    assert counted(count, "error") == words
    assert counted(count, "entry", "entries") == words.replace("errors", "entries").replace("error", "entry")
