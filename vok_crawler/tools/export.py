"""The corpus as an SQLite database for Datasette (``scrapy export CORPUS --sqlite DB``).

Tables: ``articles`` (one row per corpus line, ``url`` the primary key,
every record field but ``related``, and ``year`` and ``month`` of
``published``, columns SQLite computes so that Datasette can facet by them),
``related`` (one row per "More From" teaser: ``article``, ``position``,
``url``, ``title``, ``date``, ``teaser``) and ``changes``
(``vok.changes.jsonl``), each made even when it has no row. Full-text
search over ``articles.title`` and ``articles.body`` is an FTS5 table made
by sqlite-utils' ``enable_fts``, which is where Datasette looks for it.
Beside the database, ``DB.metadata.json`` (:mod:`vok_crawler.tools.datasette_metadata`)
gives Datasette its title, column descriptions, order, facets and queries.

One export is one SQLite transaction: the new rows, the search index and
any repair are committed together or not at all, so a kill at any point
leaves the database as it was (SQLite rolls the journal back when it is
next opened) or complete. Each run checks that the search index holds
every article, and rebuilds it if not: a database an earlier version left
half-indexed is repaired by the next export.

A second export brings the database up to date with the corpus and
duplicates nothing: the records whose URL the database holds are passed
over (a corpus line never changes once written; revisions go to the
changes file; of a URL the corpus holds twice, the first line is kept),
the others inserted, and triggers keep the search index in step. The
corpus is streamed in batches: memory holds one batch, whatever the
corpus's size. sqlite-utils comes with the ``explore`` extra and is
imported here only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import sqlite_utils

from vok_crawler.store.durable import write_durably
from vok_crawler.store.lines import corpus_lines, json_lines
from vok_crawler.store.paths import CorpusFiles
from vok_crawler.tools.coverage import RECORD_FIELDS
from vok_crawler.tools.datasette_metadata import metadata, metadata_path, origin

logger = logging.getLogger(__name__)

BATCH = 2000
SEARCHED = ("title", "body")
# The record's fields but ``related`` (a table of its own), in the order a reader wants them in a row:
# the key, the date, the title and the body first, where a screen shows them.
READ_FIRST = ("url", "published", "title", "body")
ARTICLE_COLUMNS = (*READ_FIRST, *(name for name in RECORD_FIELDS if name not in {*READ_FIRST, "related"}))
# Computed by SQLite from ``published`` (never stored, never out of step): Datasette facets by them.
DERIVED_COLUMNS = {
    "year": "INTEGER GENERATED ALWAYS AS (CAST(substr(published, 1, 4) AS INTEGER)) VIRTUAL",
    "month": "TEXT GENERATED ALWAYS AS (substr(published, 1, 7)) VIRTUAL",
}
RELATED_FIELDS = ("url", "title", "date", "teaser")
CHANGE_COLUMNS = ("url", "change", "seen_at", "fields", "status", "record")


@dataclass(frozen=True)
class Exported:
    """What the export added, and what the database holds now."""

    new_articles: int
    articles: int
    related: int
    changes: int
    sources: tuple[str, ...]  # the record's ``source`` names the database holds


def article_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a row of ``articles``: every field but ``related``, which has its own table; ``capture``
    (null for a page of the live site) as its JSON text."""
    row = {name: record.get(name) for name in ARTICLE_COLUMNS}
    if row["capture"] is not None:
        row["capture"] = json.dumps(row["capture"], ensure_ascii=False)
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
    """The records of ``batch`` whose URL the database lacks, each URL once (its first line)."""
    first: dict[Any, dict[str, Any]] = {}
    for record in batch:
        first.setdefault(record.get("url"), record)
    marks = ",".join("?" * len(first))
    known = {row[0] for row in db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", list(first))}
    return [record for url, record in first.items() if url not in known]


def create_tables(db: sqlite_utils.Database) -> None:
    """Every table, even one with no row yet; a database of an earlier version brought to this layout."""
    articles = db.table("articles")
    if not articles.exists():
        articles.create({name: str for name in ARTICLE_COLUMNS}, pk="url")
    if "related" in articles.columns_dict:  # an earlier version's JSON copy of the related table
        logger.info("Moving the related teasers out of the articles table (the related table holds them)")
        articles.transform(drop={"related"})
    for name in ARTICLE_COLUMNS:  # a field the record took since that version (capture), null in its rows
        if name not in articles.columns_dict:
            logger.info("Adding the column %s to the articles table", name)
            articles.add_column(name, str)
    present = {row[1] for row in db.execute("PRAGMA table_xinfo(articles)")}
    for name, definition in DERIVED_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE articles ADD COLUMN {name} {definition}")
    for column in ("published", "source", *DERIVED_COLUMNS):  # the order (newest first), the sources, the facets
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_articles_{column} ON articles ({column})")
    db.table("related").create(
        {"article": str, "position": int, **dict.fromkeys(RELATED_FIELDS, str)},
        pk=("article", "position"),
        foreign_keys=[("article", "articles", "url")],
        if_not_exists=True,
    )
    db.table("changes").create(
        {"url": str, "change": str, "seen_at": str, "fields": str, "status": int, "record": str},
        pk=("url", "change", "seen_at"),
        if_not_exists=True,
    )


def add_articles(db: sqlite_utils.Database, corpus: Path) -> int:
    """The corpus's records the database lacks, with their teasers: how many articles were added."""
    added = 0
    for batch in batches(records(corpus)):
        new = new_records(db, batch)
        db.table("articles").insert_all((article_row(r) for r in new), pk="url")
        db.table("related").insert_all((row for r in new for row in related_rows(r)), pk=("article", "position"))
        added += len(new)
    return added


def indexed(db: sqlite_utils.Database, fts: str) -> int:
    """How many rows the FTS5 index holds (its ``docsize`` table: one row per document indexed)."""
    return int(db.execute(f"SELECT count(*) FROM [{fts}_docsize]").fetchone()[0])


def search_index(db: sqlite_utils.Database) -> None:
    """Full-text search over every article: built if missing, rebuilt if it does not hold every article."""
    articles = db.table("articles")
    fts = articles.detect_fts()
    triggers = {trigger.name for trigger in articles.triggers}
    if fts is None or not {"articles_ai", "articles_ad", "articles_au"} <= triggers:
        logger.info("Building the search index over %d articles", articles.count)
        articles.enable_fts(SEARCHED, create_triggers=True, replace=True)
        return
    holds, count = indexed(db, fts), articles.count
    if holds != count:
        logger.warning("The search index holds %d of %d articles: rebuilding it", holds, count)
        articles.rebuild_fts()


def export(corpus: Path, database: Path) -> Exported:
    """Write (or bring up to date) ``database`` from ``corpus`` and its changes file, and its Datasette metadata."""
    db = sqlite_utils.Database(database)
    try:
        with db.atomic():
            logger.info("Exporting %s to %s: one transaction, committed at the end", corpus, database)
            create_tables(db)
            logger.info("Adding the articles the database lacks")
            new = add_articles(db, corpus)
            changes = [change_row(change) for change in json_lines(CorpusFiles(corpus).changes)]
            db.table("changes").upsert_all(changes, pk=("url", "change", "seen_at"))
            search_index(db)
            logger.info("Committing %d new articles", new)
        exported = Exported(
            new, db.table("articles").count, db.table("related").count, db.table("changes").count, sources(db)
        )
        first = db.execute("SELECT url FROM articles LIMIT 1").fetchone()
    finally:
        db.close()
    write_durably(
        metadata_path(database),
        json.dumps(
            metadata(
                database, exported.sources, origin(first[0] if first else None), (*ARTICLE_COLUMNS, *DERIVED_COLUMNS)
            ),
            indent=1,
        )
        + "\n",
    )
    return exported


def sources(db: sqlite_utils.Database) -> tuple[str, ...]:
    """The ``source`` names of the articles (one, Voice of Korea's, in a corpus of the vok spider), from its index."""
    query = "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source"
    return tuple(str(row[0]) for row in db.execute(query))
