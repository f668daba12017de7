"""Revisions and withdrawals: known articles asked for again, against a site whose pages change."""

from __future__ import annotations

import json

import pytest
import pytest_twisted

from tests.conftest import COOKIES, SAMPLE_SITE, crawl, read_jsonl, serve
from tests.fault_site import FaultySite
from tests.test_changes import VALIDATOR
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.errors import BadConfiguration

EDITED = "/newstream/1771280000-381500825/ceramic-tea-set/"
WITHDRAWN = "/newstream/1771366400-381500826/successes-registered-in-salt-production/"
ALL_OF_THEM = "1000"  # days: every sample article (posted in 2026) is in the window


def changes(tmp_path) -> list[dict]:
    path = tmp_path / "vok.changes.jsonl"
    return read_jsonl(path) if path.exists() else []


@pytest_twisted.inlineCallbacks
def test_an_edited_body_a_withdrawal_and_a_return_are_each_logged_once(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
        first_capture = corpus.read_text(encoding="utf-8")

        site.rewrite = [(EDITED, b"This is the gift--Ceramic Tea Set", b"This is the gift, a ceramic tea set")]
        site.faults = {WITHDRAWN: "gone"}
        crawler = yield crawl(corpus, f"{origin}/article/163/", {"revisit": ALL_OF_THEM}, VOK_COOKIES_FILE=str(COOKIES))
        assert (
            crawler.stats.get_value("vok/changes/changed") == 1 and crawler.stats.get_value("vok/changes/deleted") == 1
        )
        assert json.loads((tmp_path / "vok.health.json").read_text())["changes"] == {"changed": 1, "deleted": 1}

        yield crawl(
            corpus, f"{origin}/article/163/", {"revisit": ALL_OF_THEM}, VOK_COOKIES_FILE=str(COOKIES)
        )  # nothing new
        assert len(changes(tmp_path)) == 2

        site.faults = {}  # the article is back
        crawler = yield crawl(corpus, f"{origin}/article/163/", {"revisit": ALL_OF_THEM}, VOK_COOKIES_FILE=str(COOKIES))
        assert crawler.stats.get_value("vok/changes/restored") == 1

    changed, deleted, restored = changes(tmp_path)
    assert (changed["url"], changed["change"], changed["fields"]) == (origin + EDITED, "changed", ["body"])
    assert changed["record"]["body"].startswith("This is the gift, a ceramic tea set")
    assert (deleted["url"], deleted["change"], deleted["status"]) == (origin + WITHDRAWN, "deleted", 404)
    assert (restored["url"], restored["change"]) == (origin + WITHDRAWN, "restored")
    for line in (changed, deleted, restored):
        assert not list(VALIDATOR.iter_errors(line))
    assert corpus.read_text(encoding="utf-8") == first_capture  # the corpus keeps the first capture, one line each


@pytest_twisted.inlineCallbacks
def test_a_revisit_asks_only_for_articles_posted_in_its_window(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
        site.hits.clear()
        yield crawl(corpus, f"{origin}/article/163/", {"revisit": "0"}, VOK_COOKIES_FILE=str(COOKIES))
    assert set(site.hits) == {"/robots.txt", "/article/163/"}  # nothing posted today: nothing asked again
    assert changes(tmp_path) == []


@pytest.mark.parametrize("value", ["-1", "a week", "1.5"])
def test_revisit_takes_a_whole_number_of_days(value):
    with pytest.raises(BadConfiguration, match="revisit must be a number of days"):
        VokSpider(revisit=value)
