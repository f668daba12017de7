"""Revisions and deletions: the comparison, the crash-safe changes file, its JSON Schema."""

from __future__ import annotations

import json
import logging

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.conftest import ROOT, SAMPLE_SITE, read_jsonl
from vok_crawler.items import Article
from vok_crawler.store.changes import COMPARED_FIELDS, ChangeLog, compare
from vok_crawler.store.paths import CorpusFiles

SCHEMAS = ROOT / "vok_crawler" / "schema"
ARTICLE = json.loads((SCHEMAS / "article.schema.json").read_text())
CHANGE = json.loads((SCHEMAS / "change.schema.json").read_text())
VALIDATOR = Draft202012Validator(
    CHANGE, registry=Registry().with_resource(ARTICLE["$id"], Resource.from_contents(ARTICLE))
)
SEEN = "2026-11-24T10:15:00Z"


@pytest.fixture
def record() -> dict:
    """A whole record of the samples."""
    path = next(SAMPLE_SITE.glob("newstream/*/*/expected.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def test_compare_names_the_changed_fields_in_a_fixed_order(record):
    edited = {**record, "source_url": None, "body": record["body"] + "\n\nA paragraph added.", "crawled_at": SEEN}
    assert compare(record, edited) == ["body", "source_url"]
    assert (
        compare(record, {**record, "related": [], "posted": None, "crawled_at": SEEN}) == []
    )  # not the article's text
    assert compare(record, {key: value for key, value in record.items() if key != "title"}) == ["title"]


def test_compare_takes_items_as_well_as_records(record):
    item = Article(**{**record, "related": []})
    assert compare(record, item) == [] and compare(item, {**record, "title": "Retitled"}) == ["title"]


def test_every_kind_of_line_is_written_flushed_and_valid(record, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    with ChangeLog.beside(corpus) as log:
        log.changed({**record, "title": "Retitled"}, ["title"], SEEN)
        log.deleted(record["url"], 410, SEEN)
        log.restored(Article(**{**record, "related": []}), SEEN)
        lines = read_jsonl(CorpusFiles(corpus).changes)  # read while open: each line is on disk already
    assert CorpusFiles(corpus).changes == tmp_path / "vok.changes.jsonl"
    assert [(line["change"], line["url"]) for line in lines] == [
        (kind, record["url"]) for kind in ("changed", "deleted", "restored")
    ]
    assert (
        lines[0]["record"]["title"] == "Retitled" and lines[1]["status"] == 410 and lines[2]["record"]["related"] == []
    )
    for line in lines:
        assert not list(VALIDATOR.iter_errors(line)), line


def test_a_torn_last_line_is_cut_when_the_file_is_opened_again(record, tmp_path, caplog):
    path = tmp_path / "vok.changes.jsonl"
    with ChangeLog(path) as log:
        log.deleted(record["url"], 404, SEEN)
    with path.open("a", encoding="utf-8") as file:
        file.write('{"url": "' + record["url"] + '", "change": "rest')
    with caplog.at_level(logging.WARNING), ChangeLog(path) as log:
        log.restored(record, SEEN)
    assert [line["change"] for line in read_jsonl(path)] == ["deleted", "restored"]
    assert "Cut a torn last line" in caplog.text


def test_a_change_without_a_changed_field_is_refused(record, tmp_path):
    with ChangeLog(tmp_path / "c.jsonl") as log, pytest.raises(ValueError):
        log.changed(record, [], SEEN)


@pytest.mark.parametrize(
    "line",
    [
        {"change": "changed", "fields": [], "record": None},
        {"change": "changed", "fields": ["related"], "record": None},
        {"change": "changed", "fields": ["title"]},
        {"change": "deleted", "status": 500},
        {"change": "deleted"},
        {"change": "restored"},
        {"change": "renamed"},
        {"change": "deleted", "status": 404, "extra": 1},
        {"change": "deleted", "status": 404, "seen_at": "24/11/2026"},
    ],
    ids=[
        "no-field",
        "not-compared",
        "no-record",
        "status-500",
        "no-status",
        "no-record-back",
        "unknown",
        "extra",
        "bad-date",
    ],
)
def test_the_schema_refuses_malformed_lines(record, line):
    line = {"url": record["url"], "seen_at": SEEN, **line}
    if line.get("record", "") is None:
        line["record"] = record
    assert list(VALIDATOR.iter_errors(line))


def test_the_schema_checks_the_record_as_the_article_schema_does(record):
    assert not list(
        VALIDATOR.iter_errors({"url": record["url"], "change": "restored", "record": record, "seen_at": SEEN})
    )
    broken = {key: value for key, value in record.items() if key != "body"}
    assert list(VALIDATOR.iter_errors({"url": record["url"], "change": "restored", "record": broken, "seen_at": SEEN}))
    assert set(COMPARED_FIELDS) == set(CHANGE["oneOf"][0]["properties"]["fields"]["items"]["enum"])


def test_a_line_that_breaks_the_schema_is_logged_and_not_written(record, tmp_path, caplog):
    with ChangeLog(tmp_path / "vok.changes.jsonl") as log:
        log.deleted(record["url"], 200, SEEN)  # a deletion is a 404 or a 410, never a 200
    assert read_jsonl(tmp_path / "vok.changes.jsonl") == []
    assert "breaks its schema" in caplog.text
