"""What Datasette shows of an exported database: ``DB.metadata.json``, beside ``DB``.

``datasette vok.db -m vok.metadata.json`` reads it (Datasette 0.65 keeps
titles, descriptions, default orders, facets and canned queries in that
file, not in the database). The articles come newest ``published`` first,
faceted by year and month; every column says what it holds (the record's
fields as the JSON Schema describes them); three canned queries count the
articles per month (months without one at zero) and find a word's
articles by date, through the full-text index.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from vok_crawler.site.processors import EARLIEST_PUBLISHED
from vok_crawler.store.schemas import record_schema

SITE = "KCNA Watch"
# Inline style (Datasette 0.65 takes style sheets by URL only): the body column wide enough to read, and the
# URLs broken anywhere, so that the rows' long links do not push the body off the screen.
STYLE = "td.col-body { min-width: 32em; } td.col-title { min-width: 10em; } td.col-url, td.col-source_url { word-break: break-all; min-width: 12em; }"
# The words of a query as one FTS5 phrase: quotes doubled, so no input is read as FTS syntax.
PHRASE = "'\"' || replace(:word, '\"', '\"\"') || '\"'"
WORD_ARTICLES = f"""select articles.published, articles.title, articles.url
from articles_fts join articles on articles.rowid = articles_fts.rowid
where :word != '' and articles_fts match {PHRASE}
order by articles.published desc"""
WORD_MONTHS = f"""select articles.month, count(*) as articles
from articles_fts join articles on articles.rowid = articles_fts.rowid
where :word != '' and articles_fts match {PHRASE}
group by articles.month order by articles.month"""
# Every month from the first to the last with an article published from 1990 to today (Korea time), at 0 if none.
MONTHS = f"""with recursive bounds as (
  select min(month) as first, max(month) as last from articles
  where published >= '{EARLIEST_PUBLISHED.isoformat()}' and published <= date('now', '+9 hours')
), months(month) as (
  select first from bounds where first is not null
  union all
  select strftime('%Y-%m', month || '-01', '+1 month') from months, bounds where month < bounds.last
), counted as (
  select month, count(*) as articles from articles group by month
)
select months.month, coalesce(counted.articles, 0) as articles
from months left join counted on counted.month = months.month
order by months.month"""
DERIVED = {
    "year": "the year of published (a generated column, for facets)",
    "month": "YYYY-MM of published (a generated column, for facets)",
}
RELATED = {
    "article": "the url of the article whose page shows the teaser",
    "position": "its place among the page's teasers, from 1",
    "url": "the teaser's link",
    "title": "the teaser's title",
    "date": "the teaser's date, YYYY-MM-DD",
    "teaser": "the teaser's text",
}
CHANGES = {
    "url": "the article",
    "change": "changed, deleted or restored",
    "seen_at": "when the page was fetched and the change seen (UTC)",
    "fields": "changed: the fields that differ from the corpus (JSON)",
    "status": "deleted: the HTTP status the page answered",
    "record": "changed, restored: the new record (JSON)",
}


def metadata_path(database: Path) -> Path:
    """``vok.metadata.json`` for the database ``vok.db``."""
    return database.with_name(f"{database.stem}.metadata.json")


def article_columns(columns: Sequence[str]) -> dict[str, str]:
    """Each article column's description, in the table's order: a record field's as the JSON Schema says."""
    fields = record_schema()["properties"]
    return {name: DERIVED.get(name) or str(fields.get(name, {}).get("description", "")) for name in columns}


def metadata(database: Path, sources: Sequence[str], site: str | None, columns: Sequence[str]) -> dict[str, Any]:
    """Datasette's metadata for ``database``: ``sources`` are the records' ``source`` names, ``site`` their origin,
    ``columns`` the articles table's, in order."""
    names = " and ".join(sources) or "Articles"
    articles = {
        "title": f"{names} articles",
        "description": (
            "One row per article of the corpus, newest published first. Search titles and bodies "
            "with the box; facet by year or month of publication. The teasers of each page are in related."
        ),
        "sort_desc": "published",
        "facets": ["year", "month"],
        "columns": article_columns(columns),
    }
    queries = {
        "articles_per_month": {
            "title": "Articles per month",
            "description": "By month of publication, from the first month to the last (1990 to today), none at 0.",
            "sql": MONTHS,
        },
        "word_articles": {
            "title": "A word's articles by date",
            "description": "The articles whose title or body holds the word (or the phrase), newest first.",
            "sql": WORD_ARTICLES,
        },
        "word_per_month": {
            "title": "A word's articles per month",
            "description": "How many articles a month hold the word (or the phrase) in title or body.",
            "sql": WORD_MONTHS,
        },
    }
    tables = {
        "articles": articles,
        "related": {"description": "The 'More From' teasers of each article's page.", "columns": RELATED},
        "changes": {
            "description": "Revisions and withdrawals seen when articles were asked for again (vok.changes.jsonl).",
            "sort_desc": "seen_at",
            "columns": CHANGES,
        },
    }
    about = {
        "title": f"{names} on {SITE}",
        "description": f"The vok_crawler corpus: {names}, as {SITE} republishes them, one row per article.",
        "source": SITE,
        "extra_css_urls": [f"data:text/css,{quote(STYLE)}"],
        "databases": {database.stem: {"tables": tables, "queries": queries}},
    }
    return about | ({"source_url": site} if site else {})


def origin(url: str | None) -> str | None:
    """``scheme://host/`` of a URL of the corpus: the site it was crawled from."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None
