"""Feeds (``-o``/``-O``/``FEEDS``): nested fields in text formats, and targets checked up front.

CSV and XML hold text, not lists: a field whose dataclass metadata says
:data:`~vok_crawler.items.JSON_IN_TEXT_FEEDS` (``related``) is written
there as JSON text, which any CSV reader can parse back. A field's
``serializer`` would be Scrapy's usual hook, but it applies to every
format, and JSON and JSON Lines feeds must keep real lists; so the hook is
an exporter per text format (``FEED_EXPORTERS``). Fields without the mark
keep Scrapy's serialization, for any spider.

A local feed is opened by Scrapy only when the first item arrives, and an
error then is logged once per item while the run goes on and exits 0. A feed
path that cannot be written is therefore refused before the crawl starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy.exporters import CsvItemExporter, XmlItemExporter
from scrapy.item import Field
from scrapy.settings import BaseSettings
from w3lib.url import file_uri_to_path

from vok_crawler.errors import BadConfiguration
from vok_crawler.items import JSON_IN_TEXT_FEEDS
from vok_crawler.store.serialize import json_text


class JsonTextCsvItemExporter(CsvItemExporter):
    """CSV, with ``related`` (and any field marked so) as JSON text."""

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        if field.get(JSON_IN_TEXT_FEEDS):
            return json_text(value)
        return super().serialize_field(field, name, value)


class JsonTextXmlItemExporter(XmlItemExporter):
    """XML, with ``related`` (and any field marked so) as JSON text."""

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        if field.get(JSON_IN_TEXT_FEEDS):
            return json_text(value)
        return super().serialize_field(field, name, value)


def check_feed_targets(settings: BaseSettings) -> None:
    """Raise :class:`BadConfiguration` for a local feed whose file cannot be written."""
    for uri in settings.getdict("FEEDS"):
        problem = _unwritable(str(uri))
        if problem:
            raise BadConfiguration(f"feed {uri} cannot be written: {problem}")


def _unwritable(uri: str) -> str | None:
    """Why the local file ``uri`` could not be created or written; ``None`` if it can (or is not local)."""
    scheme = urlparse(uri).scheme
    if scheme == "file":
        uri = file_uri_to_path(uri)
    elif len(scheme) > 1:  # s3://, ftp://, ...: their storage reports its own failure (a stats counter)
        return None
    path = Path(uri)
    if "%(" in str(path.parent):  # named after the spider or the time: known only when the feed opens
        return None
    if path.is_dir():
        return f"{path} is a directory"
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a directory"
    try:
        _open_as_the_feed_will(path, existing)
    except OSError as error:
        return f"{error.filename or path}: {error.strerror or error}"
    return None


def _open_as_the_feed_will(path: Path, existing: Path) -> None:
    """Create the feed's folders and open it for writing, as Scrapy will; then take back what was created.

    Only opening tells: ``os.access`` says yes to root everywhere, and knows
    nothing of a file system (``/proc``) that creates no file.
    """
    created = [folder for folder in path.parents if folder != existing and existing in folder.parents]
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
        if not existed:
            path.unlink()
    finally:
        for folder in created:  # the deepest first
            with suppress(OSError):
                folder.rmdir()
