"""Revisions and deletions: what differs when a known article is asked for again, and its log.

The corpus keeps one line per URL, the first capture; the archive keeps every
version's bytes. ``vok.changes.jsonl`` beside the corpus says what happened
between them, one JSON object a line (``vok_crawler/schema/change.schema.json``):

- ``{"url", "change": "changed", "fields": [...], "record": {...}, "seen_at"}``
- ``{"url", "change": "deleted", "status": 404, "seen_at"}``
- ``{"url", "change": "restored", "record": {...}, "seen_at"}``

Like the corpus, the file is only appended to, each line in one unbuffered
write that a full disk cannot leave half done
(:func:`vok_crawler.store.durable.append_whole`, which raises ``OSError``), and a
line torn by a kill is cut when it is next opened
(:func:`vok_crawler.store.durable.repair_torn_tail`). Deciding when to ask again is
the spider's business; this module only compares and writes.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from vok_crawler.site.processors import posted_date
from vok_crawler.store.durable import append_whole, repair_torn_tail
from vok_crawler.store.lines import corpus_lines, json_lines
from vok_crawler.store.paths import CorpusFiles
from vok_crawler.store.schemas import change_validator
from vok_crawler.store.serialize import json_line

logger = logging.getLogger(__name__)

# What a revision is made of: the text and its provenance. ``related`` and
# ``posted`` change with the site's neighbourhood and listing, not the article.
COMPARED_FIELDS = ("title", "body", "published", "source", "source_url")


def compare(old_record: Any, new_record: Any) -> list[str]:
    """The compared fields whose values differ, in :data:`COMPARED_FIELDS` order (records or items)."""
    old, new = ItemAdapter(old_record), ItemAdapter(new_record)
    return [field for field in COMPARED_FIELDS if old.get(field) != new.get(field)]


class ChangeLog:
    """The append-only changes file of one corpus.

    ``seen_at`` is the caller's: the moment the page was fetched (a
    record's ``crawled_at``), not when the line happens to be written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        repair_torn_tail(path)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @classmethod
    def beside(cls, corpus_path: Path) -> ChangeLog:
        return cls(CorpusFiles(corpus_path).changes)

    def changed(self, record: Any, fields: list[str], seen_at: str) -> dict[str, Any]:
        """A page that answers with a record differing in ``fields`` (from :func:`compare`)."""
        if not fields:
            raise ValueError("a change needs at least one changed field")
        return self._append(
            {
                "url": ItemAdapter(record)["url"],
                "change": "changed",
                "fields": fields,
                "record": record,
                "seen_at": seen_at,
            }
        )

    def deleted(self, url: str, status: int, seen_at: str) -> dict[str, Any]:
        """A page known to the corpus that answers 404 or 410."""
        return self._append({"url": url, "change": "deleted", "status": status, "seen_at": seen_at})

    def restored(self, record: Any, seen_at: str) -> dict[str, Any]:
        """A page logged as deleted that answers again, with its record as it came back."""
        return self._append(
            {"url": ItemAdapter(record)["url"], "change": "restored", "record": record, "seen_at": seen_at}
        )

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> ChangeLog:  # noqa: PYI034  (final class; typing.Self needs Python 3.11)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _append(self, line: dict[str, Any]) -> dict[str, Any]:
        """Write the line if it follows ``change.schema.json`` (one that does not is a bug: logged, not written)."""
        text = json_line(line)
        errors = [error.message for error in change_validator().iter_errors(json.loads(text))]
        if errors:
            logger.error(
                "Not logging the change of %s, which breaks its schema: %s", line.get("url"), "; ".join(errors)
            )
            return line
        append_whole(self.fd, text.encode("utf-8"))
        logger.info("Article %s %s", line["change"], line["url"])
        return line


def history(path: Path) -> dict[str, dict[str, Any]]:
    """Each URL's last line in the changes file (a torn or bad line is logged and left out)."""
    last: dict[str, dict[str, Any]] = {}
    for change in json_lines(path):
        if isinstance(change.get("url"), str):
            last[change["url"]] = change
        else:
            logger.warning("A line of %s is not a change (it names no url); left out", path)
    return last


def records_of(corpus: Path, urls: set[str]) -> dict[str, dict[str, Any]]:
    """The corpus records of ``urls`` (one pass over the file, only their lines parsed)."""
    return {url: json.loads(line) for url, line in corpus_lines(corpus) if url in urls}


class Revisits:
    """The known articles a run asks for again (``-a revisit=DAYS``), and what it finds of them.

    An article is compared with its latest version: the last record the
    changes file holds for it, else its corpus record (the first capture).
    A difference in :data:`COMPARED_FIELDS` is logged once as ``changed``; a
    404 or 410 once as ``deleted``; the page answering again after that as
    ``restored``.
    """

    def __init__(self, corpus: Path, known: Iterable[str], since: str) -> None:
        self.log = ChangeLog.beside(corpus)  # opening repairs a torn last line first
        self.last = history(self.log.path)
        self.urls = sorted(url for url in known if (posted_date(url) or "") >= since)
        wanted = set(self.urls)
        self.latest = records_of(corpus, wanted)
        self.latest.update(
            {url: change["record"] for url, change in self.last.items() if url in wanted and "record" in change}
        )

    def __contains__(self, url: object) -> bool:
        return url in self.latest

    def seen(self, record: Any, seen_at: str) -> str | None:
        """A revisited page answered with ``record``: the change it makes (logged), if any."""
        url = ItemAdapter(record)["url"]
        if self.last.get(url, {}).get("change") == "deleted":
            self.last[url] = self.log.restored(record, seen_at)
            return "restored"
        fields = compare(self.latest[url], record)
        if not fields:
            return None
        self.last[url] = self.log.changed(record, fields, seen_at)
        self.latest[url] = json.loads(json_line(record))
        return "changed"

    def gone(self, url: str, status: int, seen_at: str) -> str | None:
        """A revisited page answered 404 or 410: ``deleted``, unless it was already."""
        if self.last.get(url, {}).get("change") == "deleted":
            return None
        self.last[url] = self.log.deleted(url, status, seen_at)
        return "deleted"
