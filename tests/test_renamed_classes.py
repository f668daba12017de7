"""The samples with every class name that no public source confirms renamed: the fallbacks find every field.

Public code confirms ``.article-desc``, ``#latest_article_wrapper``, ``h4 > a``,
``p.articled-date``, ``div.article-content``, the controls' classes and
``#search_wrapper``; the rest (``docs/site.md``, "Not known") may be anything
on the live site. A crawl of such a copy writes exactly the samples' records.
"""

from __future__ import annotations

import json
import shutil

import pytest_twisted

from tests.conftest import COOKIES, SAMPLE_SITE, comparable, crawl, expected_records, read_jsonl, serve
from vok_crawler.tools.sample_site import SampleSite

# Each class that no public source confirms, as it stands in the samples' markup, and a name of no meaning.
UNCONFIRMED = {
    'class="more-from"': 'class="mf-x1"',
    'class="article-meta"': 'class="meta-x2"',
    'class="article-title"': 'class="headline-x3"',
    'class="article-source"': 'class="src-x4"',
    'class="thumb-title"': 'class="tt-x5"',
    'class="hover-excerpt"': 'class="hx-x6"',
    'class="excerpt"': 'class="ex-x7"',
    'class="source-name"': 'class="sn-x8"',
    'class="agency-label"': 'class="al-x9"',
}


def renamed_copy(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE_SITE, site)
    for page in [*site.rglob("*.html"), *site.rglob("*.json")]:
        text = page.read_text(encoding="utf-8")
        for old, new in UNCONFIRMED.items():
            text = text.replace(old, new).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
        page.write_text(text, encoding="utf-8")
    for old in UNCONFIRMED:
        assert not list(site.rglob("*.html")) or old not in (site / "article/163/index.html").read_text()
    return site


@pytest_twisted.inlineCallbacks
def test_a_site_whose_unconfirmed_class_names_all_differ_gives_the_same_records(tmp_path):
    with serve(SampleSite(renamed_copy(tmp_path))) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert comparable(read_jsonl(tmp_path / "vok.jsonl")) == comparable(expected_records(origin).values())
