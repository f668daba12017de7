"""Arguments and settings are read strictly: a typo is an error, never a silent default."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from scrapy.settings import Settings

from vok_crawler import settings as project_settings
from vok_crawler.crawl.config import seconds_setting, switch, web_archive
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.archive_index import WAYBACK_CDX, WAYBACK_REPLAY, WebArchive


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("0", False), ("false", False), ("No", False)]
)
def test_a_switch_takes_its_documented_values(value, expected):
    assert switch("refresh", value) is expected


@pytest.mark.parametrize("value", ["maybe", "on", "off", "", "2"])
def test_a_switch_refuses_anything_else(value):
    with pytest.raises(BadConfiguration, match=f"refresh must be one of 1/true/yes/0/false/no, not '{value}'"):
        switch("refresh", value)


def test_a_seconds_setting_is_a_non_negative_number():
    assert seconds_setting(Settings({"VOK_RETRY_AFTER_MAX": "2.5"}), "VOK_RETRY_AFTER_MAX") == 2.5
    with pytest.raises(BadConfiguration, match="setting VOK_RETRY_AFTER_MAX must be a number of seconds, not 'soon'"):
        seconds_setting(Settings({"VOK_RETRY_AFTER_MAX": "soon"}), "VOK_RETRY_AFTER_MAX")
    with pytest.raises(BadConfiguration, match="must not be negative"):
        seconds_setting(Settings({"VOK_RETRY_AFTER_MAX": -1}), "VOK_RETRY_AFTER_MAX")


def test_the_archive_settings_default_to_the_wayback_machine_without_warc_files():
    assert web_archive(project(())) == WebArchive(WAYBACK_CDX, WAYBACK_REPLAY, None)


def test_a_common_crawl_index_with_its_warc_prefix_is_one_archive():
    given = {
        ("VOK_ARCHIVE_CDX", "https://index.commoncrawl.org/CC-MAIN-2025-47-index"),
        ("VOK_ARCHIVE_WARC", "https://data.commoncrawl.org/"),
    }
    archive = web_archive(project(given))
    assert (archive.style, archive.host, archive.warc) == (
        "pywb",
        "index.commoncrawl.org",
        "https://data.commoncrawl.org/",
    )


def test_a_wrong_archive_setting_is_a_bad_configuration_naming_it():
    with pytest.raises(BadConfiguration, match="setting VOK_ARCHIVE_REPLAY is a prefix and must end with '/'"):
        web_archive(Settings({"VOK_ARCHIVE_CDX": WAYBACK_CDX, "VOK_ARCHIVE_REPLAY": "https://web.archive.org/web"}))


def project(given: Iterable[tuple[str, str]]) -> Settings:
    """The project's settings, as a crawl reads them, with the values given as by ``-s``."""
    settings = Settings()
    settings.setmodule(project_settings)
    for name, value in given:
        settings.set(name, value, "cmdline")
    return settings
