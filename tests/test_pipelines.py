"""Dedupe and the corpus file: each URL once, every line whole, nothing lost."""

from __future__ import annotations

import json
import logging

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from tests.conftest import read_jsonl
from vok_crawler.corpus import corpus_urls, repair_torn_tail
from vok_crawler.items import Article, Teaser
from vok_crawler.pipelines import DedupePipeline, JsonLinesCorpusPipeline
from vok_crawler.spiders.vok import VokSpider


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
    with pytest.raises(DropItem, match="Duplicate article http://127.0.0.1/newstream/1-1/a/"):
        pipeline.process_item(article(1, title="second"))
    assert crawler.stats.get_value("vok/duplicates_dropped") == 1


def open_corpus(path):
    crawler = crawler_with(VOK_CORPUS=str(path))
    pipeline = JsonLinesCorpusPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline, crawler.stats


def test_corpus_writes_one_utf8_json_object_a_line_with_every_field(tmp_path):
    path = tmp_path / "nested" / "vok.jsonl"
    pipeline, stats = open_corpus(path)
    item = article(1, related=[Teaser(url="http://127.0.0.1/newstream/2-2/b/", title="“김정은”", date=None, teaser="t")])
    assert pipeline.process_item(item) is item
    pipeline.close_spider()
    text = path.read_text(encoding="utf-8")
    assert "“김정은”" in text and text.endswith("\n")
    assert read_jsonl(path) == [
        {
            "url": "http://127.0.0.1/newstream/1-1/a/", "title": "Title 1", "published": None, "posted": None,
            "source": None, "source_url": None, "body": "Body",
            "related": [{"url": "http://127.0.0.1/newstream/2-2/b/", "title": "“김정은”", "date": None, "teaser": "t"}],
            "crawled_at": None,
        }
    ]
    assert stats.get_value("vok/corpus/written") == 1


def test_corpus_accumulates_across_runs_without_writing_a_url_twice(tmp_path):
    path = tmp_path / "vok.jsonl"
    pipeline, _ = open_corpus(path)
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))
    pipeline.close_spider()
    pipeline, stats = open_corpus(path)
    assert stats.get_value("vok/corpus/records_before") == 2
    item = article(2, title="again")
    assert pipeline.process_item(item) is item  # still goes on to the feeds
    pipeline.process_item(article(3))
    pipeline.close_spider()
    assert [r["url"][-6:] for r in read_jsonl(path)] == ["1-1/a/", "2-2/a/", "3-3/a/"]
    assert stats.get_value("vok/corpus/already_known") == 1


def test_each_record_is_on_disk_as_soon_as_it_is_written(tmp_path):
    path = tmp_path / "vok.jsonl"
    pipeline, _ = open_corpus(path)
    pipeline.process_item(article(1))
    assert len(read_jsonl(path)) == 1  # before close: flushed
    pipeline.close_spider()


def test_an_empty_corpus_setting_turns_the_pipeline_off():
    with pytest.raises(NotConfigured):
        JsonLinesCorpusPipeline.from_crawler(crawler_with(VOK_CORPUS=""))


def test_a_torn_last_line_is_cut_before_anything_is_appended(tmp_path, caplog):
    path = tmp_path / "vok.jsonl"
    whole = json.dumps({"url": "http://127.0.0.1/newstream/1-1/a/"}) + "\n"
    path.write_text(whole + '{"url": "http://127.0.0.1/newstream/2-2/a/", "ti', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        pipeline, _ = open_corpus(path)
    assert "Cut a torn last line" in caplog.text
    pipeline.process_item(article(2))
    pipeline.close_spider()
    assert [r["url"] for r in read_jsonl(path)] == ["http://127.0.0.1/newstream/1-1/a/", "http://127.0.0.1/newstream/2-2/a/"]


def test_a_whole_last_record_without_newline_is_kept(tmp_path):
    path = tmp_path / "vok.jsonl"
    path.write_text(json.dumps({"url": "u1"}) + "\n" + json.dumps({"url": "u2"}), encoding="utf-8")
    assert repair_torn_tail(path) == 0
    assert path.read_text().endswith('"u2"}\n')
    assert corpus_urls(path) == {"u1", "u2"}


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
        assert corpus_urls(path) == {"u1", "u2"}
    assert "Line 2 of" in caplog.text and "Line 4 of" in caplog.text
    assert "not json" in path.read_text()


def test_a_state_file_that_is_not_json_means_walking_the_whole_listing(tmp_path, caplog):
    from vok_crawler.corpus import NO_STATE, Corpus

    corpus = Corpus(tmp_path / "vok.jsonl")
    assert corpus.read_state() == NO_STATE
    corpus.sibling("state").write_text("{torn")
    with caplog.at_level(logging.WARNING):
        assert corpus.read_state() == NO_STATE
    assert "is not JSON" in caplog.text
    corpus.write_json("state", {"complete": True, "pending": ["u"], "skipped": []})
    assert corpus.read_state()["pending"] == ["u"]
    assert not list(tmp_path.glob("*.partial"))
