"""The probe's ``--save DIR``: each raw response and a draft ``expected.json``, without any secret.

A saved folder is a fixture as it stands (``tests/test_fixtures.py`` reads
it): ``<n>-<kind>.html`` the body, ``<n>-<kind>.json`` the URL, status and
headers (never a cookie header), and the record as the crawler reads it now.
A capture (``--archive``) is saved as the page it is, under the URL
captured, its ``.json`` naming the capture (archive, timestamp, URL).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy.http import Response

from vok_crawler.crawl.probe.archived import capture_of
from vok_crawler.crawl.probe.model import KINDS, Kind, PageSeen, Probe
from vok_crawler.crawl.request_urls import asked_url
from vok_crawler.store.secrets import Scrubber, is_secret_header
from vok_crawler.store.serialize import json_line


class PageSaver:
    """Writes what the probe saw to ``directory``, every value of the cookies file scrubbed out."""

    def __init__(self, directory: Path, probe: Probe, scrubber: Scrubber) -> None:
        self.directory = directory
        self.probe = probe
        self.scrubber = scrubber

    def response(self, kind: Kind, response: Response) -> None:
        """The raw response as ``<n>-<kind>.html`` and ``<n>-<kind>.json`` (url, status, headers)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.directory / f"{KINDS.index(kind) + 1}-{kind}"
        headers = {
            key.decode("latin-1"): [self.scrubber.text(v.decode("latin-1")) for v in values]
            for key, values in response.headers.items()
            if not is_secret_header(key)
        }
        info: dict[str, Any] = {"url": self.scrubber.text(response.url), "status": response.status, "headers": headers}
        if asked_url(response) != response.url:
            info["asked_url"] = self.scrubber.text(asked_url(response))
        capture = capture_of(response)
        if capture is not None:  # --archive: the capture the page was read from, as a record names it
            info["capture"] = {"archive": capture.archive, "timestamp": capture.timestamp, "url": capture.url}
        stem.with_suffix(".html").write_bytes(self.scrubber.bytes(response.body))
        stem.with_suffix(".json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        # Once each: a capture passed over for an older one (--archive) is overwritten by it.
        self.probe.saved += [
            path for path in (stem.with_suffix(".html"), stem.with_suffix(".json")) if path not in self.probe.saved
        ]
        self.probe.removed = self.scrubber.removed

    def expected(self, seen: PageSeen) -> None:
        """A draft ``expected.json`` to review: the record as read now, or the gate's trace; never overwritten."""
        assert seen.record is not None
        path = self.directory / "expected.json"
        if path.exists():
            self.probe.notes.append(f"{path} kept as it was (a reviewed record is never overwritten)")
            return
        if seen.gate:
            expected: dict[str, Any] = {"gate": seen.gate}
        else:
            expected = {k: v for k, v in json.loads(json_line(seen.record)).items() if k != "crawled_at"}
        path.write_text(self.scrubber.text(json.dumps(expected, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
        self.probe.saved.append(path)
        self.probe.removed = self.scrubber.removed
        self.probe.notes.append(f"{path} is a DRAFT: check every value against 3-article.html before committing it")
