"""Arguments and settings are read strictly: a typo is an error, never a silent default."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from vok_crawler.crawl.config import seconds_setting, switch
from vok_crawler.errors import BadConfiguration


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
