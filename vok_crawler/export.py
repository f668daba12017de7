"""The corpus as an SQLite database for Datasette (``scrapy export CORPUS --sqlite DB``).

Tables: ``articles`` (one row per corpus line, ``url`` the primary key,
every record field, ``related`` as JSON text), ``related`` (one row per
"More From" teaser: ``article``, ``position``, ``url``, ``title``, ``date``,
``teaser``) and ``changes`` (``vok.changes.jsonl``). Full-text search over
``articles.title`` and ``articles.body`` is an FTS5 table made by
sqlite-utils' ``enable_fts``, which is where Datasette looks for it: ``datasette
DB`` shows a search box, and ``/DB/articles.json?_search=WORD`` searches.

A second export brings the database up to date with the corpus and
duplicates nothing: the records whose URL the database holds are passed
over (a corpus line never changes once written; revisions go to the
changes file), the others upserted on their key, and triggers keep the
search index in step. The corpus is streamed in batches: memory holds
one batch, whatever the corpus's size. sqlite-utils comes with the
``explore`` extra and is imported here only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import sqlite_utils

from vok_crawler.changes import changes_path
from vok_crawler.corpus import corpus_lines
from vok_crawler.coverage import RECORD_FIELDS, json_lines

BATCH = 2000
SEARCHED = ("title", "body")
RELATED_FIELDS = ("url", "title", "date", "teaser")
CHANGE_COLUMNS = ("url", "change", "seen_at", "fields", "status", "record")


@dataclass(frozen=True)
class Exported:
    """What the export added, and what the database holds now."""

    new_articles: int
    articles: int
    related: int
    changes: int


def article_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a row of ``articles``: every field, ``related`` as JSON text."""
    row = {name: record.get(name) for name in RECORD_FIELDS}
    row["related"] = json.dumps(record.get("related") or [], ensure_ascii=False)
    return row


def related_rows(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    teasers = record.get("related") or []
    for position, teaser in enumerate(teasers, start=1):
        if isinstance(teaser, dict):
            yield {"article": record["url"], "position": position, **{k: teaser.get(k) for k in RELATED_FIELDS}}


def change_row(change: dict[str, Any]) -> dict[str, Any]:
    row = {name: change.get(name) for name in CHANGE_COLUMNS}
    for name in ("fields", "record"):
        if row[name] is not None:
            row[name] = json.dumps(row[name], ensure_ascii=False)
    return row


def records(corpus: Path) -> Iterator[dict[str, Any]]:
    """The corpus's records, one at a time (bad lines are logged by the reader and left out)."""
    for _url, line in corpus_lines(corpus):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record


def batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def new_records(db: sqlite_utils.Database, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of ``batch`` whose URL the database lacks (a corpus line never changes once written)."""
    if "articles" not in db.table_names():
        return batch
    urls = [record.get("url") for record in batch]
    marks = ",".join("?" * len(urls))
    known = {row[0] for row in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", urls)}
    return [record for record in batch if record.get("url") not in known]


def export(corpus: Path, database: Path) -> Exported:
    """Write (or bring up to date) ``database`` from ``corpus`` and its changes file."""
    db = sqlite_utils.Database(database)
    articles, related = db.table("articles"), db.table("related")
    new = 0
    with db.conn:
        for every in batches(records(corpus)):
            batch = new_records(db, every)
            teasers = [row for record in batch for row in related_rows(record)]
            if batch:
                articles.upsert_all(
                    (article_row(r) for r in batch), pk="url", column_order=list(RECORD_FIELDS), alter=True
                )
                new += len(batch)
            if teasers:
                related.upsert_all(teasers, pk=("article", "position"), foreign_keys=[("article", "articles", "url")])
        changes = [change_row(change) for change in json_lines(changes_path(corpus))]
        if changes:
            db.table("changes").upsert_all(changes, pk=("url", "change", "seen_at"), column_order=list(CHANGE_COLUMNS))
    if articles.exists() and not articles.detect_fts():
        articles.enable_fts(SEARCHED, create_triggers=True)
    return Exported(
        new,
        articles.count if articles.exists() else 0,
        related.count if related.exists() else 0,
        db.table("changes").count if db.table("changes").exists() else 0,
    )
