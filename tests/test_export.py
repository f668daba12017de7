"""``scrapy export --sqlite``: a kill at any step, a database to repair, duplicated lines, and Datasette.

Every export runs as a real ``scrapy export`` subprocess. The kills are
SIGKILLs sent on what the export shows (the log line it writes before
each step, its journal file holding data), never after a delay; the
database is then opened by SQLite as any reader opens it. The Datasette
tests serve the database with a real Datasette on a free loopback port and
read it in a real headless Chromium.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import (
    CHROMIUM,
    RECORD_FIELDS,
    ROOT,
    expected_records,
    needs_browser,
    read_jsonl,
    run_scrapy,
    scrapy_command,
)
from tests.test_report import free_port, get_json, rare_word, wait_for_http, write_sample_corpus
from vok_crawler.site.processors import EARLIEST_PUBLISHED
from vok_crawler.tools.export import BATCH

OLD, NEW = "alphamarker", "betamarker"  # a word in every old article, and one in every article added after
OLD_ARTICLES, NEW_ARTICLES = 1_000, 20_000  # enough that adding them and indexing them takes a while


def synthetic_record(n: int, marker: str, words: list[str], rng: random.Random) -> dict:
    posted = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
    return {
        "url": f"https://kcnawatch.org/newstream/{1767225600 + n * 600}-{n}/report-{n}/",
        "title": f"Report {n} {marker}",
        "published": posted,
        "posted": posted,
        "posted_at": f"{posted}T09:00:00+09:00",
        "source": "Voice of Korea (EN)",
        "source_url": None,
        "body": " ".join(rng.choices(words, k=150)),
        "related": [{"url": f"https://kcnawatch.org/newstream/1-{n}/x/", "title": "X", "date": posted, "teaser": "t"}],
        "crawled_at": "2026-12-01T00:00:00Z",
    }


def write_records(corpus: Path, records: Iterator[dict]) -> None:
    with corpus.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class Corpora:
    old: Path  # the corpus the old database was exported from
    grown: Path  # it, and the articles added since
    old_database: Path  # exported from ``old``, complete


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Corpora:
    folder = tmp_path_factory.mktemp("corpora")
    rng = random.Random(12)
    words = ["".join(rng.choices("abcdefghiklmnoprstuwy", k=rng.randint(4, 10))) for _ in range(20_000)]
    records = [synthetic_record(n, OLD, words, rng) for n in range(OLD_ARTICLES)]
    records += [synthetic_record(n, NEW, words, rng) for n in range(OLD_ARTICLES, OLD_ARTICLES + NEW_ARTICLES)]
    old, grown = folder / "old" / "vok.jsonl", folder / "grown" / "vok.jsonl"
    for corpus, part in ((old, records[:OLD_ARTICLES]), (grown, records)):
        corpus.parent.mkdir()
        write_records(corpus, iter(part))
    database = folder / "old" / "vok.db"
    assert export(old, database).returncode == 0
    return Corpora(old, grown, database)


def export(corpus: Path, database: Path) -> subprocess.CompletedProcess[str]:
    return run_scrapy("export", str(corpus), "--sqlite", str(database), "-L", "INFO", timeout=600)


@dataclass(frozen=True)
class Held:
    """What a database holds: its articles, and the articles its search finds with each marker word."""

    articles: int
    found_old: int
    found_new: int


def held(database: Path) -> Held:
    """Opened as any SQLite reader opens it (a journal left by a kill is rolled back first)."""
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "articles" not in tables:
            return Held(0, 0, 0)
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        found = Counter()
        for word in (OLD, NEW):
            query = "SELECT count(*) FROM articles_fts JOIN articles ON articles.rowid = articles_fts.rowid"
            found[word] = db.execute(f"{query} WHERE articles_fts MATCH ?", [word]).fetchone()[0]
    return Held(articles, found[OLD], found[NEW])


NOTHING = Held(0, 0, 0)
OLD_DATABASE = Held(OLD_ARTICLES, OLD_ARTICLES, 0)
COMPLETE = Held(OLD_ARTICLES + NEW_ARTICLES, OLD_ARTICLES, NEW_ARTICLES)


def journal_holds_data(database: Path) -> bool:
    journal = database.with_name(database.name + "-journal")
    return journal.exists() and journal.stat().st_size > 0


def grown(database: Path, size: int) -> bool:
    """The database file has grown to twice ``size``: the export is writing its pages, halfway through."""
    return database.stat().st_size > 2 * size


def killed_export(corpus: Path, database: Path, when: str) -> int:
    """``scrapy export``, SIGKILLed once it logs ``when``; or, for ``journal``, once its journal holds data;
    for ``grown``, once the database file has grown to twice its size."""
    process = subprocess.Popen(
        scrapy_command("export", str(corpus), "--sqlite", str(database), "-L", "INFO"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        if when in ("journal", "grown"):
            size = database.stat().st_size if database.exists() else 0
            while not (journal_holds_data(database) if when == "journal" else grown(database, size)):
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.001)
        else:
            seen = []
            for line in process.stderr:
                seen.append(line)
                if when in line:
                    break
            else:
                pytest.fail(f"the export never logged {when!r}:\n{''.join(seen)}")
        process.send_signal(signal.SIGKILL)
    finally:
        status = process.wait()
        process.stderr.close()
    return status


def test_an_export_killed_while_it_builds_the_search_index_leaves_nothing_and_a_rerun_builds_it_all(tmp_path, corpora):
    """The issue's case: the first export killed in its index build left a search that found nothing, for ever."""
    database = tmp_path / "vok.db"
    assert killed_export(corpora.grown, database, "Building the search index") == -signal.SIGKILL
    assert held(database) == NOTHING
    rerun = export(corpora.grown, database)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{OLD_ARTICLES + NEW_ARTICLES} new articles" in rerun.stdout
    assert held(database) == COMPLETE


@pytest.mark.parametrize("when", ["Adding the articles the database lacks", "journal", "grown", "Committing"])
def test_an_update_killed_at_any_step_leaves_the_old_database_or_the_complete_one_and_a_rerun_completes_it(
    tmp_path, corpora, when
):
    database = tmp_path / "vok.db"
    shutil.copy(corpora.old_database, database)
    status = killed_export(corpora.grown, database, when)
    if when == "Committing":  # the commit itself: killed in it, or done before the kill came
        assert status in (-signal.SIGKILL, 0)
        assert held(database) in (OLD_DATABASE, COMPLETE)
    else:
        assert status == -signal.SIGKILL
        assert held(database) == OLD_DATABASE
    rerun = export(corpora.grown, database)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert held(database) == COMPLETE


def legacy_half_indexed(database: Path, corpus: Path) -> None:
    """A database as the export of an earlier version left it when killed in its index build.

    It wrote ``related`` as JSON into ``articles`` and committed the rows,
    then made the search table in a transaction of its own and was killed
    while filling it: the table is there, empty, with no trigger; that
    version's reruns saw the table and never filled it.
    """
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TABLE articles (url TEXT PRIMARY KEY, title TEXT, published TEXT, posted TEXT, posted_at TEXT,"
            " source TEXT, source_url TEXT, body TEXT, related TEXT, crawled_at TEXT)"
        )
        db.execute(
            "CREATE TABLE related (article TEXT REFERENCES articles(url), position INTEGER, url TEXT, title TEXT,"
            " date TEXT, teaser TEXT, PRIMARY KEY (article, position))"
        )
        for record in read_jsonl(corpus):
            row = {**record, "related": json.dumps(record["related"])}
            db.execute(f"INSERT INTO articles VALUES ({','.join('?' * 10)})", list(row.values()))
            for position, teaser in enumerate(record["related"], start=1):
                db.execute("INSERT INTO related VALUES (?, ?, ?, ?, ?, ?)", [record["url"], position, *teaser.values()])
    import sqlite_utils

    legacy = sqlite_utils.Database(database)  # its search table as that version made it: by sqlite-utils
    legacy.table("articles").enable_fts(["title", "body"])  # (no trigger yet) ...
    legacy.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")  # ... and not filled
    legacy.conn.commit()
    legacy.close()
    assert held(database) == Held(OLD_ARTICLES, 0, 0)


def emptied_index(database: Path, corpus: Path) -> None:
    """A database of this version whose search index lost its rows (its triggers are there)."""
    assert export(corpus, database).returncode == 0
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    assert held(database) == Held(OLD_ARTICLES, 0, 0)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (legacy_half_indexed, "Building the search index over 1000 articles"),
        (emptied_index, "The search index holds 0 of 1000 articles: rebuilding it"),
    ],
    ids=["earlier-version-killed", "index-emptied"],
)
def test_a_database_whose_search_index_misses_articles_is_repaired_by_the_next_export(tmp_path, corpora, damage, says):
    database = tmp_path / "vok.db"
    damage(database, corpora.old)
    result = export(corpora.old, database)
    assert result.returncode == 0, result.stderr[-3000:]
    assert says in result.stderr
    assert "0 new articles; it holds 1000 articles, 1000 related teasers" in result.stdout
    assert held(database) == OLD_DATABASE
    with sqlite3.connect(database) as db:  # the layout of this version: related in its own table only
        columns = [row[1] for row in db.execute("PRAGMA table_xinfo(articles)")]
        assert "related" not in columns and {"year", "month"} <= set(columns)
        assert db.execute("SELECT count(*) FROM articles WHERE month = substr(published, 1, 7)").fetchone()[0] == 1000
    assert export(corpora.old, database).stderr.count("search index") == 0  # repaired for good: nothing to do


def test_a_corpus_line_written_twice_is_one_article_and_counted_once(tmp_path):
    """Twice in one batch, and on both sides of a batch's end: the first line is kept, each URL counted once."""
    rng = random.Random(3)
    records = [synthetic_record(n, OLD, ["word"], rng) for n in range(BATCH + 10)]
    lines = [records[0], {**records[0], "title": "A later copy"}, *records[1:]]  # twice in one batch
    lines.insert(BATCH, {**lines[BATCH - 1], "title": "A later copy"})  # a batch's last line, the next one's first
    corpus = tmp_path / "vok.jsonl"
    write_records(corpus, iter(lines))
    assert lines[BATCH - 1]["url"] == lines[BATCH]["url"]  # the batch's last line and the next batch's first
    database = tmp_path / "vok.db"
    result = export(corpus, database)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{len(records)} new articles; it holds {len(records)} articles" in result.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM articles WHERE title = 'A later copy'").fetchone()[0] == 0
    extra = synthetic_record(len(records), NEW, ["word"], rng)
    write_records(corpus, iter([*lines, extra, extra]))
    again = export(corpus, database)
    assert f"1 new articles; it holds {len(records) + 1} articles" in again.stdout


def test_every_table_is_made_even_for_an_empty_corpus(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    corpus.write_text("")
    result = export(corpus, tmp_path / "vok.db")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "0 new articles; it holds 0 articles, 0 related teasers and 0 changes" in result.stdout
    with sqlite3.connect(tmp_path / "vok.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "related", "changes", "articles_fts"} <= tables
    metadata = json.loads((tmp_path / "vok.metadata.json").read_text())
    assert set(metadata["databases"]["vok"]["tables"]) == {"articles", "related", "changes"}


@contextmanager
def datasette(database: Path) -> Iterator[str]:
    """A real Datasette serving ``database`` with the metadata the export wrote, as the README runs it."""
    metadata = database.with_name(f"{database.stem}.metadata.json")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            str(database),
            "-m",
            str(metadata),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/-/versions.json", server)
        yield base
    finally:
        server.terminate()
        server.wait()


def months_between(first: str, last: str) -> list[str]:
    """Every YYYY-MM from ``first`` to ``last``, counted here with nothing of the project's code."""
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def test_datasette_serves_the_metadata_order_facets_and_canned_queries(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    records = read_jsonl(corpus)
    database = tmp_path / "vok.db"
    assert export(corpus, database).returncode == 0
    with datasette(database) as base:
        page = get_json(f"{base}/vok/articles.json?_shape=objects&_size=max")
        published = sorted((r["published"] for r in records if r["published"]), reverse=True)
        assert [row["published"] for row in page["rows"]][: len(published)] == published  # newest first
        assert "related" not in page["columns"] and page["columns"][:4] == ["url", "published", "title", "body"]
        facets = page["facet_results"]
        assert {f["value"]: f["count"] for f in facets["year"]["results"]} == Counter(
            int(r["published"][:4]) for r in records if r["published"]
        )
        assert {f["value"]: f["count"] for f in facets["month"]["results"]} == Counter(
            r["published"][:7] for r in records if r["published"]
        )
        per_month = get_json(f"{base}/vok/articles_per_month.json?_shape=array")
        months = Counter(r["published"][:7] for r in records if r["published"])
        assert per_month == [{"month": m, "articles": months[m]} for m in months_between(min(months), max(months))]
        assert any(row["articles"] == 0 for row in per_month)  # the months without an article are there, at 0
        word, holders = rare_word(records)
        found = get_json(f"{base}/vok/word_articles.json?_shape=array&word={quote(word)}")
        by_date = sorted((r for r in records if r["url"] in holders), key=lambda r: r["published"], reverse=True)
        assert [row["url"] for row in found] == [r["url"] for r in by_date]
        for hostile in ('"', "a OR", "NEAR(", "*"):  # no input is read as FTS syntax: an answer, not an error
            assert get_json(f"{base}/vok/word_articles.json?_shape=array&word={quote(hostile)}") == []
        assert get_json(f"{base}/vok/changes.json?_shape=array") == []  # there, with no change yet
        info = get_json(f"{base}/-/metadata.json")
        assert info["title"] == "Voice of Korea (EN) on KCNA Watch" and info["source_url"] == "https://kcnawatch.org/"


def test_the_earliest_year_of_the_months_query_is_the_crawls_own(tmp_path):
    """The months query starts at the first month from 1990: a date before is a date to check, not a month."""
    rng = random.Random(5)
    early, first = synthetic_record(0, OLD, ["w"], rng), synthetic_record(1, OLD, ["w"], rng)
    early["published"] = (EARLIEST_PUBLISHED - timedelta(days=1)).isoformat()
    first["published"] = EARLIEST_PUBLISHED.isoformat()
    later = {**first, "url": first["url"] + "later/", "published": "1990-03-02"}
    corpus = tmp_path / "vok.jsonl"
    write_records(corpus, iter([early, first, later]))
    database = tmp_path / "vok.db"
    assert export(corpus, database).returncode == 0
    with datasette(database) as base:
        per_month = get_json(f"{base}/vok/articles_per_month.json?_shape=array")
    assert per_month == [
        {"month": "1990-01", "articles": 1},
        {"month": "1990-02", "articles": 0},
        {"month": "1990-03", "articles": 1},
    ]


@needs_browser
def test_the_articles_page_reads_well_in_chromium(tmp_path):
    """Title and description on the page, the newest article first, its body on screen, a canned query answered."""
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    records = read_jsonl(corpus)
    database = tmp_path / "vok.db"
    assert export(corpus, database).returncode == 0
    word, holders = rare_word(records)
    with datasette(database) as base, ThreadPoolExecutor(1) as thread:
        seen = thread.submit(read_in_chromium, base, word).result()
    assert seen["heading"] == "Voice of Korea (EN) articles"
    assert "newest published first" in seen["description"]
    newest = max(r["published"] for r in records if r["published"])
    assert seen["first_published"] == newest
    viewport = 1280
    left, width = seen["body"]
    assert left >= 0 and left + width <= viewport and width >= 300, seen["body"]  # on screen, wide enough to read
    assert seen["word_rows"] == len(holders)


def read_in_chromium(base: str, word: str) -> dict:
    """The articles page and the word query as a reader's Chromium shows them (a 1280 px wide window)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/vok/articles")
            box = page.locator("table.rows-and-columns th.col-body").bounding_box()
            seen = {
                "heading": page.inner_text("h1").strip(),
                "description": page.inner_text(".metadata-description"),
                "first_published": page.inner_text("table.rows-and-columns tbody tr:first-child td.col-published"),
                "body": (box["x"], box["width"]) if box else None,
            }
            page.goto(f"{base}/vok/word_articles")
            page.fill("input[name=word]", word)
            page.click("form input[type=submit]")
            page.wait_for_selector("table.rows-and-columns")
            seen["word_rows"] = page.locator("table.rows-and-columns tbody tr").count()
            return seen
        finally:
            browser.close()


def test_the_readme_names_the_datasette_command_the_export_prints(tmp_path):
    corpus = tmp_path / "vok.jsonl"
    write_sample_corpus(corpus)
    result = export(corpus, tmp_path / "vok.db")
    printed = re.search(r"search: (datasette \S+ -m \S+)\)", result.stdout)
    assert printed and printed[1] == f"datasette {tmp_path / 'vok.db'} -m {tmp_path / 'vok.metadata.json'}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "datasette vok.db -m vok.metadata.json" in readme


def test_the_capture_is_a_column_of_json_text_and_an_earlier_database_gains_it(tmp_path):
    """A record read from a web archive names its capture; a database written before the field was has no column
    for it: the next export adds it, null for the rows it held."""
    records = list(expected_records().values())
    capture = {"archive": "web.archive.org", "timestamp": "20260301080000", "url": records[1]["url"]}
    corpus, database = tmp_path / "vok.jsonl", tmp_path / "vok.db"
    write_records(corpus, iter([records[0]]))
    with sqlite3.connect(database) as db:  # the layout before the field: every column but capture
        columns = ", ".join(f"{name} TEXT" for name in RECORD_FIELDS if name not in ("related", "capture"))
        db.execute(f"CREATE TABLE articles ({columns.replace('url TEXT', 'url TEXT PRIMARY KEY', 1)})")
    assert export(corpus, database).returncode == 0
    write_records(corpus, iter([records[0], {**records[1], "capture": capture}]))
    assert export(corpus, database).returncode == 0
    with sqlite3.connect(database) as db:
        rows = dict(db.execute("SELECT url, capture FROM articles").fetchall())
    assert rows == {records[0]["url"]: None, records[1]["url"]: json.dumps(capture)}
