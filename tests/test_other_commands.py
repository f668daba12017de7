"""Scrapy's own commands and other spiders, in the project directory: as in a fresh project.

Each command runs as a subprocess in a temporary copy of the project (so
that ``genspider`` writes there, not into the repository) against the
samples served on 127.0.0.1. The vok components stand aside: every
command succeeds, no vok pipeline or extension is enabled, and nothing is
written where the vok corpus goes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet.defer import Deferred, gatherResults, inlineCallbacks
from twisted.internet.utils import getProcessOutputAndValue

from tests.conftest import expected_records, read_jsonl

OTHER_SPIDER = """
import scrapy


class OtherSpider(scrapy.Spider):
    name = "other"
    start_urls = ["PAGE"]

    def parse(self, response):
        yield {"url": response.url, "title": response.css("title::text").get()}
"""


def scrapy(project: Path, *args: str) -> Deferred[tuple[bytes, bytes, int]]:
    return getProcessOutputAndValue(sys.executable, ["-m", "scrapy", *args], env=dict(os.environ), path=str(project))


def assert_untouched(project: Path, out: bytes, err: bytes, code: int) -> None:
    assert code == 0, err.decode()[-3000:]
    assert b"Traceback" not in err, err.decode()[-3000:]
    for component in (
        b"vok_crawler.crawl.pipelines",
        b"vok_crawler.crawl.extensions",
        b"Charset",
        b"OffSite",
        b"Disabled",
    ):
        assert component not in err, err.decode()[-3000:]  # no vok component enabled, none complaining
    assert not (project / "data").exists()  # where VOK_CORPUS, the health and state files go


@inlineCallbacks
def shell_and_fetch(project: Path, page: str) -> Generator[Deferred[Any], Any, None]:
    out, err, code = yield scrapy(project, "shell", page, "-c", "(response.status, len(response.css('.article-desc')))")
    assert_untouched(project, out, err, code)
    assert out.strip().startswith(b"(200, ")
    out, err, code = yield scrapy(project, "fetch", page)
    assert_untouched(project, out, err, code)
    assert b"article-desc" in out


@inlineCallbacks
def runspider(project: Path, page: str) -> Generator[Deferred[Any], Any, None]:
    (project / "other.py").write_text(OTHER_SPIDER.replace("PAGE", page))
    out, err, code = yield scrapy(project, "runspider", "other.py", "-O", "other.jsonl", "-s", "LOG_LEVEL=INFO")
    assert_untouched(project, out, err, code)
    assert read_jsonl(project / "other.jsonl") == [{"url": page, "title": "Voice of Korea (EN) | KCNA Watch"}]


@inlineCallbacks
def generated_spider(project: Path, page: str) -> Generator[Deferred[Any], Any, None]:
    out, err, code = yield scrapy(project, "genspider", "generated", page)
    assert_untouched(project, out, err, code)
    assert (project / "vok_crawler" / "crawl" / "spiders" / "generated.py").is_file()
    out, err, code = yield scrapy(project, "parse", "--spider", "generated", "-s", "LOG_LEVEL=INFO", page)
    assert_untouched(project, out, err, code)
    assert b"Scraped Items" in out
    out, err, code = yield scrapy(project, "crawl", "generated", "-s", "LOG_LEVEL=INFO")
    assert_untouched(project, out, err, code)
    assert b"Spider closed (finished)" in err


@inlineCallbacks
def bench(project: Path, page: str) -> Generator[Deferred[Any], Any, None]:
    out, err, code = yield scrapy(project, "bench", "-s", "CLOSESPIDER_TIMEOUT=1", "-s", "LOG_LEVEL=INFO")
    assert_untouched(project, out, err, code)
    assert b"Spider closed (closespider_timeout)" in err


@pytest_twisted.inlineCallbacks
def test_stock_commands_and_other_spiders_are_left_alone(sample_server, project):
    """Side by side, as they do not share anything but the project folder."""
    page = f"{sample_server.origin}/article/163/"
    yield gatherResults(
        [check(project, page) for check in (shell_and_fetch, runspider, generated_spider, bench)], consumeErrors=True
    )


def files_in(project: Path) -> set[Path]:
    return {path for path in project.rglob("*") if "__pycache__" not in path.parts}


@pytest_twisted.inlineCallbacks
def test_parse_and_fetch_with_the_vok_spider_look_and_keep_nothing(sample_server, project):
    """``scrapy parse --spider=vok``: the item and its requests printed, as in any project; no file written."""
    article = next(url for url in expected_records(sample_server.origin) if "birthday-spread" in url)
    before = files_in(project)
    out, err, code = yield scrapy(project, "parse", "--spider=vok", "-c", "parse_article", article)
    assert code == 0 and b"Traceback" not in err, err.decode()[-3000:]
    assert b"Scraped Items" in out and b"'title': 'Birthday spread sent to centenarian'" in out
    requests = out.decode().partition("# Requests")[2]
    assert f"{sample_server.origin}/newstream/" in requests  # its "More From" teasers, on the page's own site
    out, err, code = yield scrapy(project, "fetch", "--spider=vok", article)
    assert code == 0 and b"Traceback" not in err, err.decode()[-3000:]
    assert b"Birthday spread sent to centenarian" in out
    assert files_in(project) == before  # no corpus, lock, state, health report or archive
