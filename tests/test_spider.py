"""Routing: what the spider follows and what it refuses, from saved responses."""

from __future__ import annotations

import logging

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from tests.conftest import SAMPLE_SITE
from vok_crawler.errors import BadConfiguration
from vok_crawler.items import Article
from vok_crawler.spiders.vok import DEFAULT_START_URL, VokSpider

ORIGIN = "http://127.0.0.1:8163"


def spider(**kwargs) -> VokSpider:
    crawler = get_crawler(VokSpider, settings_dict=get_project_settings().copy_to_dict())
    crawler.stats.open_spider()
    return VokSpider.from_crawler(crawler, **kwargs)


def sample_response(path: str, query: str = "") -> HtmlResponse:
    """A sample page as the sample server would send it from ``ORIGIN``."""
    file = SAMPLE_SITE / path.strip("/") / "index.html"
    body = file.read_bytes().replace(b"https://kcnawatch.org", ORIGIN.encode()).replace(b"//kcnawatch.org", b"//127.0.0.1:8163")
    return HtmlResponse(f"{ORIGIN}{path}{query}", body=body, encoding="utf-8")


def test_defaults_to_the_live_listing_and_accepts_scrapyd_arguments():
    vok = spider(_job="abc123", setting="x")
    assert vok.start_url == DEFAULT_START_URL
    assert vok._job == "abc123"
    assert vok.allowed_domains == ["kcnawatch.org"]


def test_start_url_is_made_canonical_and_must_be_a_web_url():
    assert spider(start_url=f"{ORIGIN}/article/163?utm_source=x").start_url == f"{ORIGIN}/article/163/"
    with pytest.raises(BadConfiguration, match="start_url"):
        spider(start_url="ftp://127.0.0.1/")


def test_listing_follows_teasers_then_slices_each_once_and_only_on_the_site():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    requests = list(vok.parse_listing(sample_response("/article/163/")))
    assert all(isinstance(request, scrapy.Request) for request in requests)
    urls = [request.url for request in requests]
    assert len(urls) == len(set(urls)) == 13
    assert all(url.startswith(ORIGIN) for url in urls)
    assert [r.callback.__name__ for r in requests] == ["parse_article"] * 12 + ["parse_listing"]
    assert f"{ORIGIN}/newstream/1772700000-381500840/sidebar-only-report/" not in urls
    assert list(vok.parse_listing(sample_response("/article/163/"))) == []  # all requested already


def test_an_article_yields_its_record_then_its_related_pages():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    path = "/newstream/1772640000-381500835/kim-jong-un-inspects-new-greenhouse-farm/"
    results = list(vok.parse_article(sample_response(path)))
    assert isinstance(results[0], Article) and results[0].url == f"{ORIGIN}{path}"
    followed = [r.url.removeprefix(ORIGIN) for r in results[1:]]
    assert followed == [
        "/newstream/1770000000-381500800/withdrawn-report/",
        "/newstream/1772553600-381500834/letter-of-thanks-sent-to-kim-jong-un/",
        "/newstream/1771712000-381500830/respected-comrade-kim-jong-uns-speech-at-sangwon-cement-complex/",
        "/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&id=163&sort=&to=24",
    ]


def test_a_page_of_another_source_is_skipped_with_a_log_line_and_a_count(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    with caplog.at_level(logging.INFO):
        assert list(vok.parse_article(sample_response("/newstream/1772300000-990010/kcna-commentary-on-sanctions/"))) == []
    assert "source is 'KCNA (EN)'" in caplog.text
    assert vok.crawler.stats.get_value("vok/skipped/other_source") == 1


def test_a_response_that_is_not_html_is_skipped_not_a_crash(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    binary = Response(f"{ORIGIN}/article/163/", body=b"\x89PNG", headers={"Content-Type": "image/png"})
    with caplog.at_level(logging.WARNING):
        assert list(vok.parse_listing(binary)) == []
        assert list(vok.parse_article(binary)) == []
    assert "not an HTML page" in caplog.text
    assert vok.crawler.stats.get_value("vok/skipped/not_html") == 2


def test_the_start_page_is_routed_by_its_markup_not_its_url():
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    article = sample_response("/newstream/1771280000-381500825/ceramic-tea-set/")
    listing = sample_response("/article/163/")
    assert isinstance(next(iter(vok.parse(article))), Article)
    assert all(isinstance(result, scrapy.Request) for result in vok.parse(listing))


def test_an_empty_slice_past_the_end_is_nothing_to_do(caplog):
    vok = spider(start_url=f"{ORIGIN}/article/163/")
    empty = Response(f"{ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&from=36&to=48&id=163", body=b"")
    with caplog.at_level(logging.WARNING):
        assert list(vok.parse(empty)) == []
    assert not caplog.text
