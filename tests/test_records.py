"""Every record passes its JSON Schema before it reaches the corpus or a feed."""

from __future__ import annotations

import json
import logging
import re

import pytest
import pytest_twisted
from scrapy.utils.test import get_crawler

from tests.conftest import COOKIES, ROOT, SAMPLE_SITE, crawl, expected_records, read_jsonl, serve
from tests.fault_site import FaultySite
from vok_crawler.crawl.pipelines import InvalidRecord, SchemaPipeline
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.items import Article, Teaser
from vok_crawler.store.schemas import inline_local_refs, passes, record_check, record_validator

UNTITLED = "/newstream/1771280000-381500825/ceramic-tea-set/"


def sample_article(**fields) -> Article:
    """A record of the samples, as the spider yields it (``related`` as teasers)."""
    record = next(iter(expected_records().values()))
    related = [Teaser(**teaser) for teaser in record["related"]]
    return Article(**{**record, "related": related, "crawled_at": "2026-11-23T12:00:00Z", **fields})


def pipeline():
    crawler = get_crawler(VokSpider)
    crawler.stats.open_spider()
    return SchemaPipeline.from_crawler(crawler), crawler.stats


def test_the_schema_is_read_from_its_file_with_its_local_refs_resolved_once():
    schema = json.loads((ROOT / "vok_crawler" / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    assert record_validator().schema == inline_local_refs(schema, schema["$defs"])
    assert "$ref" not in json.dumps(record_validator().schema["properties"])
    assert record_validator().schema["properties"]["url"]["pattern"] == schema["$defs"]["webUrl"]["pattern"]


# Each a way a record breaks its schema, one keyword each: the compiled check must see all of them.
FAULTS = {
    "no url": lambda r: {k: v for k, v in r.items() if k != "url"},
    "url not web": lambda r: {**r, "url": "ftp://kcnawatch.org/x"},
    "title not text": lambda r: {**r, "title": None},
    "title padded": lambda r: {**r, "title": " Title"},
    "date not ISO": lambda r: {**r, "published": "23.11.2026"},
    "date of a month 13": lambda r: {**r, "posted": "2026-13-01"},
    "posted_at without its offset": lambda r: {**r, "posted_at": "2026-11-23T10:00:00Z"},
    "body with a run of spaces": lambda r: {**r, "body": "Two  spaces"},
    "body a list": lambda r: {**r, "body": ["text"]},
    "related not a list": lambda r: {**r, "related": {}},
    "a teaser without its date": lambda r: {**r, "related": [{"url": r["url"], "title": None, "teaser": None}]},
    "a teaser's title a number": lambda r: {
        **r,
        "related": [{"url": r["url"], "title": 1, "date": None, "teaser": None}],
    },
    "crawled_at without a zone": lambda r: {**r, "crawled_at": "2026-11-23T12:00:00"},
    "source_url a number": lambda r: {**r, "source_url": 7},
}


@pytest.mark.parametrize("fault", FAULTS)
def test_the_compiled_check_and_the_reference_validator_judge_alike(fault):
    """The fast check lets through only what the reference passes: each fault fails both, the samples pass both."""
    for expected in expected_records().values():
        record = {**expected, "crawled_at": "2026-11-23T12:00:00Z"}
        assert passes(record_check(), record) and record_validator().is_valid(record)
        broken = FAULTS[fault](record)
        assert not passes(record_check(), broken)
        assert not record_validator().is_valid(broken)


def test_a_valid_record_passes_unchanged():
    check, stats = pipeline()
    item = sample_article()
    assert check.process_item(item) is item
    assert not [key for key in stats.get_stats() if key.startswith("vok/invalid_record/")]


def test_an_invalid_record_is_dropped_and_counted_by_field():
    check, stats = pipeline()
    with pytest.raises(
        InvalidRecord, match=r"Invalid record https://kcnawatch.org/newstream/\S+ \(body: .*title: None is not of type"
    ):
        check.process_item(sample_article(title=None, body=" padded "))
    with pytest.raises(InvalidRecord, match=r"related: "):
        check.process_item(sample_article(related=[Teaser(url="not a url")]))
    assert stats.get_value("vok/invalid_record/title") == 1
    assert stats.get_value("vok/invalid_record/body") == 1
    assert stats.get_value("vok/invalid_record/related") == 1


@pytest_twisted.inlineCallbacks
def test_a_page_without_its_title_reaches_neither_the_corpus_nor_a_feed(tmp_path, caplog):
    no_title = [(UNTITLED, b"article-title", b"post-heading"), (UNTITLED, re.compile(rb"<title>.*?</title>"), b"")]
    untitled = FaultySite(SAMPLE_SITE, rewrite=no_title)  # no rule, not even a fallback, finds a title
    corpus, feed = tmp_path / "vok.jsonl", tmp_path / "feed.jsonl"
    with serve(untitled) as origin, caplog.at_level(logging.WARNING):
        crawler = yield crawl(
            corpus, f"{origin}/article/163/", FEEDS={str(feed): {"format": "jsonlines"}}, VOK_COOKIES_FILE=str(COOKIES)
        )
    expected = set(expected_records(origin)) - {origin + UNTITLED}
    assert {record["url"] for record in read_jsonl(corpus)} == expected
    assert {record["url"] for record in read_jsonl(feed)} == expected
    # A page whose title no rule finds is a layout not understood: no record, counted, and kept pending
    # (the schema, checked above, would reject it too).
    assert f"Could not read {origin}{UNTITLED} as an article (no title found by any rule)" in caplog.text
    assert crawler.stats.get_value("vok/pages/not_understood") == 1
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert health["finish_reason"] == "layout_broken"
    assert origin + UNTITLED in json.loads((tmp_path / "vok.state.json").read_text())["pending"]
