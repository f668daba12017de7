"""Saved pages of the site, each with its reviewed record: the page objects must still read them.

Every folder ``tests/fixtures/<name>/`` was written by ``scrapy probe URL
--save tests/fixtures/<name>`` (in the manner of web-poet's fixtures):
``<n>-<kind>.html`` is a raw response body, ``<n>-<kind>.json`` its URL,
status and headers (never a cookie), and ``expected.json`` the article's
record as a person checked it against ``3-article.html`` (without
``crawled_at``), or ``{"gate": TRACE}`` for a page behind the NK Pro gate.
A folder without ``expected.json`` is a fixture not yet reviewed: it fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, TextResponse

from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.gate import nk_pro_gate
from vok_crawler.site.pages.site_page import SitePage
from vok_crawler.store.serialize import json_line

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def saved_response(html: Path) -> TextResponse:
    """The response ``scrapy probe --save`` wrote as ``html`` and its ``.json`` beside it."""
    info = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    return HtmlResponse(url=info["url"], status=info["status"], headers=info["headers"], body=html.read_bytes())


def origin_of(url: str) -> str:
    """The crawl's origin for a saved page: its own scheme and host (the probe's start URL had the same)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def article_page(folder: Path) -> ArticlePage:
    response = saved_response(folder / "3-article.html")
    return ArticlePage(response.selector, response.url, origin_of(response.url))


def record(page: ArticlePage) -> dict[str, Any]:
    """The record as the corpus holds it (the pipeline's own serialization), without ``crawled_at``."""
    line = json.loads(json_line(page.to_item(crawled_at="2000-01-01T00:00:00Z").value))
    return {name: value for name, value in line.items() if name != "crawled_at"}


def expected(folder: Path) -> dict[str, Any]:
    path = folder / "expected.json"
    assert path.is_file(), f"{folder.name}: no expected.json; review the draft scrapy probe --save writes"
    return json.loads(path.read_text(encoding="utf-8"))


FOLDERS = sorted(path for path in FIXTURES.iterdir() if path.is_dir()) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_the_saved_article_gives_its_reviewed_record(folder: Path) -> None:
    page, wanted = article_page(folder), expected(folder)
    if "gate" in wanted:
        assert nk_pro_gate(page) == wanted["gate"]
        return
    assert nk_pro_gate(page) is None
    assert record(page) == wanted


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_saved_listings_and_slices_still_show_teasers(folder: Path) -> None:
    """The listing and slice the probe saved with the article: their teasers are read, with a URL each."""
    for html in sorted(folder.glob("[12]-*.html")):
        response = saved_response(html)
        teasers = SitePage(response.selector, response.url, origin_of(response.url)).teasers().value
        assert teasers, html.name
        assert all(teaser.url and teaser.title for teaser in teasers), html.name


def test_there_is_a_fixture() -> None:
    """An empty fixtures folder would make the tests above pass vacuously."""
    assert FOLDERS
