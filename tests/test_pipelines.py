"""Dedupe, and the corpus file's format: each URL once, every line whole, nothing lost."""

from __future__ import annotations

import json
import logging
import re

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from tests.conftest import SAMPLE_ORIGIN, expected_records
from tests.test_pages import article_file
from vok_crawler.crawl.pipelines import DedupePipeline, JsonLinesCorpusPipeline
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.items import Article
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.store.durable import repair_torn_tail
from vok_crawler.store.index import CorpusIndex, _url_hash
from vok_crawler.store.serialize import as_json_data, json_line


def article(n: int, **fields) -> Article:
    return Article(**{"url": f"http://127.0.0.1/newstream/{n}-{n}/a/", "title": f"Title {n}", "body": "Body", **fields})


def crawler_with(**settings):
    crawler = get_crawler(VokSpider, settings_dict=settings)
    crawler.stats.open_spider()
    return crawler


def test_dedupe_drops_a_second_record_of_one_url():
    crawler = crawler_with()
    pipeline = DedupePipeline.from_crawler(crawler)
    first = article(1, title="first")
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(article(2)).url.endswith("/2-2/a/")
    with pytest.raises(DropItem, match=re.escape("Duplicate article http://127.0.0.1/newstream/1-1/a/")):
        pipeline.process_item(article(1, title="second"))
    assert crawler.stats.get_value("vok/duplicates_dropped") == 1


def test_an_empty_corpus_setting_turns_the_pipeline_off():
    with pytest.raises(NotConfigured):
        JsonLinesCorpusPipeline.from_crawler(crawler_with(VOK_CORPUS=""))


def test_a_whole_last_record_without_newline_is_kept(tmp_path):
    path = tmp_path / "vok.jsonl"
    path.write_text(json.dumps({"url": "u1"}) + "\n" + json.dumps({"url": "u2"}), encoding="utf-8")
    assert repair_torn_tail(path) == 0
    assert path.read_text().endswith('"u2"}\n')
    assert set(CorpusIndex(path)) == {"u1", "u2"}


def test_repair_reads_long_lines_and_files_without_any_newline(tmp_path):
    path = tmp_path / "vok.jsonl"
    long_record = json.dumps({"url": "u1", "body": "x" * 200_000}) + "\n"
    path.write_text(long_record + '{"url": "u2", "body": "' + "y" * 100_000, encoding="utf-8")
    assert repair_torn_tail(path) == len('{"url": "u2", "body": "') + 100_000
    assert path.read_text() == long_record
    path.write_text('{"url": "torn', encoding="utf-8")
    repair_torn_tail(path)
    assert path.read_text() == ""
    assert repair_torn_tail(tmp_path / "missing.jsonl") == 0


def test_lines_that_are_not_records_are_logged_and_left_alone(tmp_path, caplog):
    path = tmp_path / "vok.jsonl"
    path.write_text('{"url": "u1"}\nnot json\n\n["no url"]\n{"url": "u2"}\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert set(CorpusIndex(path)) == {"u1", "u2"}
    assert "Line 2 of" in caplog.text and "Line 4 of" in caplog.text
    assert "not json" in path.read_text()


def test_the_corpus_index_knows_a_url_only_if_a_record_has_it(tmp_path):
    """Two URLs of one hash: the one in the corpus is known, the other not (its line is read back to be sure)."""
    seen: dict[int, str] = {}
    for n in range(1_000_000):
        url = f"https://kcnawatch.org/newstream/{n}-1/x/"
        twin = seen.setdefault(_url_hash(url.encode()), url)
        if twin != url:
            break
    path = tmp_path / "vok.jsonl"
    escaped = json.dumps({"url": "https://kcnawatch.org/caf\u00e9/"}, ensure_ascii=True)  # read the slow way
    path.write_text(f"{escaped}\n" + json.dumps({"url": twin, "body": "b"}) + "\n", encoding="utf-8")
    index = CorpusIndex(path)
    assert twin in index and url not in index and "https://kcnawatch.org/caf\u00e9/" in index
    assert len(index) == 2 and set(index) == {twin, "https://kcnawatch.org/caf\u00e9/"}
    index.add(url)
    assert url in index and len(index) == 3
    index.close()


def test_the_schema_check_reads_a_record_as_its_corpus_line_reads_back():
    """Checked without being serialized a second time: the data is the line's, field for field."""
    url = next(iter(expected_records()))
    page = ArticlePage(HtmlResponse(url, body=article_file(url).read_bytes()).selector, url, SAMPLE_ORIGIN)
    item = page.to_item("2026-11-23T12:00:00Z").value
    assert as_json_data(item) == json.loads(json_line(item)) and as_json_data(item)["related"]
