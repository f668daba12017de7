"""The health report's judge: its thresholds are settings, and the verdicts keep their order."""

from __future__ import annotations

import re

import pytest
import pytest_twisted

from tests.conftest import SAMPLE_SITE, crawl, serve
from tests.fault_site import FaultySite
from vok_crawler.finish_reasons import LAYOUT_BROKEN

# A redesign: the heading under a new class name (the title is still found by <title>), the text
# moved out of the body element, which is left empty (read as a photo-only article: an empty body).
REDESIGN = [
    ("/newstream/", b"article-title", b"post-heading"),
    ("/newstream/", re.compile(rb'(<div class="article-content">).*?(</div>)', re.DOTALL), rb"\1\2"),
]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({}, LAYOUT_BROKEN),
        ({"VOK_LAYOUT_FIELDS": "title"}, "finished"),  # only titles must be there, and they are
        ({"VOK_LAYOUT_MIN_SHARE": 0.0}, "finished"),  # no share is too small
    ],
    ids=["default", "fields", "min_share"],
)
@pytest_twisted.inlineCallbacks
def test_the_layout_thresholds_are_settings(tmp_path, settings, reason):
    with serve(FaultySite(SAMPLE_SITE, rewrite=REDESIGN)) as origin:
        crawler = yield crawl(tmp_path / "vok.jsonl", f"{origin}/article/163/", VOK_ARCHIVE="", **settings)
    assert crawler.stats.get_value("finish_reason") == reason
