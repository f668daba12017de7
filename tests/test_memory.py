"""The crawl memory: the corpus, its state file and its lock, one owner for all."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from tests.conftest import RECORD_FIELDS, crawl_args, read_jsonl, run_scrapy, vok_settings
from vok_crawler.crawl.memory import CrawlMemory
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.items import Article, Teaser
from vok_crawler.store.serialize import json_line

ORIGIN = "http://127.0.0.1:8163"


def article(n: int, **fields) -> Article:
    return Article(**{"url": f"{ORIGIN}/newstream/{n}-{n}/a/", "title": f"Title {n}", "body": "Body", **fields})


SPIDER = VokSpider(start_url=f"{ORIGIN}/article/163/")  # the memory's signals are given the spider


def open_memory(path: Path | None, **spider_args) -> CrawlMemory:
    """A memory as a crawl opens it, for the corpus at ``path``."""
    crawler = get_crawler(VokSpider, settings_dict=vok_settings(VOK_CORPUS=str(path) if path else ""))
    crawler.spider = VokSpider.from_crawler(crawler, start_url=f"{ORIGIN}/article/163/", **spider_args)
    crawler.stats.open_spider()
    memory = CrawlMemory(crawler, crawler.spider.crawl_context)
    memory.spider_opened(crawler.spider)
    return memory


def close(memory: CrawlMemory, reason: str = "finished") -> dict:
    memory.spider_closed(SPIDER, reason)
    memory.engine_stopped()
    return json.loads(memory.files.state.read_text())


def write(memory: CrawlMemory, item: Article) -> bool:
    return memory.write(item.url, json_line(item))


def test_records_are_one_utf8_json_object_a_line_with_every_field_in_order(tmp_path):
    path = tmp_path / "nested" / "vok.jsonl"
    memory = open_memory(path)
    item = article(1, related=[Teaser(url=f"{ORIGIN}/newstream/2-2/b/", title="“김정은”", date=None, teaser="t")])
    assert write(memory, item)
    close(memory)
    text = path.read_text(encoding="utf-8")
    assert "“김정은”" in text and text.endswith("\n")
    [record] = read_jsonl(path)
    assert list(record) == RECORD_FIELDS
    assert record["related"] == [
        {"url": f"{ORIGIN}/newstream/2-2/b/", "title": "“김정은”", "date": None, "teaser": "t"}
    ]


def test_the_corpus_accumulates_across_runs_without_a_url_twice(tmp_path):
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path)
    assert write(memory, article(1)) and write(memory, article(2))
    assert len(read_jsonl(path)) == 2  # flushed as written, before the close
    close(memory)
    memory = open_memory(path)
    assert memory.ledger.is_known(article(2).url) and not memory.ledger.is_known(article(3).url)
    assert not write(memory, article(2, title="again"))
    assert write(memory, article(3))
    close(memory)
    assert [r["url"][-6:] for r in read_jsonl(path)] == ["1-1/a/", "2-2/a/", "3-3/a/"]


def test_a_torn_last_line_is_cut_before_anything_is_appended(tmp_path, caplog):
    path = tmp_path / "vok.jsonl"
    whole = json.dumps({"url": article(1).url}) + "\n"
    path.write_text(whole + '{"url": "' + article(2).url + '", "ti', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        memory = open_memory(path)
    assert "Cut a torn last line" in caplog.text
    assert not memory.ledger.is_known(article(2).url)  # the cut record is fetched again
    write(memory, article(2))
    close(memory)
    assert [r["url"] for r in read_jsonl(path)] == [article(1).url, article(2).url]


def test_the_state_remembers_the_walk_what_failed_what_was_gated_and_what_is_gone(tmp_path):
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path, source_id="190163")
    for url in (article(1).url, article(2).url, article(3).url, article(4).url):
        memory.ledger.first_request(url) and memory.ledger.asked(url)
    memory.ledger.tell(article(1).url, "failed")
    memory.ledger.tell(article(2).url, "gated")
    memory.ledger.tell(article(3).url, "gone")  # article 4 never answered: killed, blocked or stopped
    memory.walk.size = 12
    state = close(memory)
    assert state["complete"] is True
    assert state["pending"] == [article(1).url, article(4).url]
    assert state["gated"] == [article(2).url] and state["skipped"] == [article(3).url]
    assert state["pagination"] == {"source_id": "190163", "slice_size": 12, "to_reading": "unknown"}
    again = open_memory(path)
    assert again.ledger.to_ask_again() == [article(1).url, article(4).url]  # no cookies: the gated one waits
    assert again.ledger.is_known(article(2).url) and again.ledger.is_known(article(3).url)
    assert (again.walk.source_id, again.walk.size) == ("190163", 12)
    assert not again.walk.whole
    close(again)


def test_a_run_with_cookies_or_refresh_asks_for_gated_articles_again(tmp_path):
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path)
    memory.ledger.tell(article(2).url, "gated")
    close(memory)
    memory = open_memory(path, refresh="1")
    assert memory.ledger.to_ask_again() == [article(2).url] and not memory.ledger.is_known(article(2).url)
    close(memory)


@pytest.mark.parametrize("reason", ["shutdown", "blocked", "gated", "layout_broken"])
def test_a_run_that_did_not_finish_well_leaves_the_walk_incomplete(tmp_path, reason):
    path = tmp_path / "vok.jsonl"
    assert close(open_memory(path), reason)["complete"] is False


def test_a_failed_slice_or_a_stuck_walk_leaves_the_walk_incomplete(tmp_path):
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path)
    memory.walk.failed()
    assert close(memory)["complete"] is False
    memory = open_memory(path)
    memory.walk.stuck("no way past the first page")
    assert close(memory)["complete"] is False


def test_since_completes_the_walk_only_if_it_was_complete_before(tmp_path):
    path = tmp_path / "vok.jsonl"
    assert close(open_memory(path, since="2026-03-01"))["complete"] is False  # the older part was never walked
    assert close(open_memory(path))["complete"] is True
    assert close(open_memory(path, since="2026-03-01"))["complete"] is True


@pytest.mark.parametrize(
    "text",
    [
        "{torn",
        '["a list"]',
        '{"complete": "false", "pending": []}',
        '{"complete": true, "pending": "http://x/"}',
        '{"complete": true, "pagination": {"slice_size": "12"}}',
        '{"complete": true, "pagination": {"to_reading": "sideways"}}',
    ],
)
def test_a_state_of_the_wrong_shape_is_logged_and_means_a_full_walk(tmp_path, caplog, text):
    path = tmp_path / "vok.jsonl"
    path.with_name("vok.state.json").write_text(text)
    with caplog.at_level(logging.WARNING):
        memory = open_memory(path)
    assert "is not a state this crawler wrote" in caplog.text
    assert memory.walk.whole and memory.ledger.to_ask_again() == []
    close(memory)
    assert not list(tmp_path.glob("*.partial"))


def test_a_state_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "vok.jsonl"
    path.with_name("vok.state.json").write_text('\ufeff{"complete": true, "pending": ["http://x/"]}', encoding="utf-8")
    memory = open_memory(path)
    assert not memory.walk.whole and memory.ledger.to_ask_again() == ["http://x/"]
    close(memory)


def test_without_a_corpus_nothing_is_known_and_nothing_is_written(tmp_path):
    memory = open_memory(None)
    assert write(memory, article(1)) and not write(memory, article(1))  # still one record per URL
    assert memory.walk.whole and memory.write_health({}) is None
    memory.spider_closed(SPIDER, "finished")
    assert list(tmp_path.iterdir()) == []


def test_a_second_crawl_of_one_corpus_is_refused_naming_the_holder(tmp_path):
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path)
    second = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys; from pathlib import Path; from tests.test_memory import open_memory\n"
                "try:\n    open_memory(Path(sys.argv[1]))\nexcept Exception as error:\n    print(type(error).__name__, error)"
            ),
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert second.stdout.startswith("CorpusLocked") and "one crawl per corpus" in second.stdout
    assert f"process {os.getpid()}" in second.stdout
    close(memory)
    close(open_memory(path))  # released: the next crawl gets in


def test_scrapy_crawl_of_a_corpus_another_crawl_holds_is_one_error_line_and_exit_2(tmp_path):
    """The lock held elsewhere is :class:`CorpusLocked`: refused before any request, as a bad argument is."""
    path = tmp_path / "vok.jsonl"
    memory = open_memory(path)  # the lock held, as by a crawl running in this process
    try:
        refused = run_scrapy(*crawl_args("http://127.0.0.1:9/article/163/", path), timeout=120)
    finally:
        close(memory)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Error: {path} is being crawled by process {os.getpid()}: one crawl per corpus at a time"
    )


def test_a_byte_order_mark_and_a_line_that_is_not_utf8_are_read_not_fatal(tmp_path, caplog):
    path = tmp_path / "vok.jsonl"
    first, second = json.dumps({"url": article(1).url}), json.dumps({"url": article(2).url, "title": "caf"})
    path.write_bytes(b"\xef\xbb\xbf" + first.encode() + b"\n" + second.encode().replace(b"caf", b"caf\xe9") + b"\n")
    with caplog.at_level(logging.WARNING):
        memory = open_memory(path)
    assert memory.ledger.is_known(article(1).url) and memory.ledger.is_known(article(2).url)  # neither is written again
    assert "Line 2 of" in caplog.text and "not UTF-8" in caplog.text
    close(memory)


def test_a_torn_line_cut_on_open_makes_the_walk_incomplete_so_its_article_is_found_again(tmp_path):
    path = tmp_path / "vok.jsonl"
    close(open_memory(path))  # a complete walk
    path.write_text(json.dumps({"url": article(1).url}) + '\n{"url": "' + article(2).url, encoding="utf-8")
    memory = open_memory(path)
    assert memory.walk.whole
    close(memory)


def test_a_callback_that_raises_leaves_the_walk_incomplete_or_its_article_pending(tmp_path):
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from twisted.python.failure import Failure

    memory = open_memory(tmp_path / "vok.jsonl")
    spider = SPIDER
    page = HtmlResponse(article(1).url, request=Request(article(1).url, callback=spider.parse_article))
    memory.ledger.asked(article(1).url)  # an article in flight, as the spider's request for it makes it
    memory.spider_error(Failure(ValueError("boom")), page, spider)
    assert article(1).url in memory.ledger.pending and not memory.walk.failed_pages
    listing = HtmlResponse(
        f"{ORIGIN}/article/163/", request=Request(f"{ORIGIN}/article/163/", callback=spider.parse_listing)
    )
    memory.spider_error(Failure(ValueError("boom")), listing, spider)
    assert close(memory)["complete"] is False


def test_a_full_walk_is_unfinished_until_an_empty_slice_at_the_next_offset_or_a_stop_on_purpose(tmp_path):
    from vok_crawler.site.slices import Slice

    memory = open_memory(tmp_path / "vok.jsonl")
    assert memory.walk.whole and memory.walk.unfinished is None  # no slice asked: nothing to finish
    memory.walk.observe(None, [article(n).url for n in range(12)])
    memory.walk.claim(12)
    assert "no slice at offset 12" in (memory.walk.unfinished or "")
    memory.walk.ended(Slice("190163", 12, 12))
    assert memory.walk.unfinished is None
    stopped = open_memory(tmp_path / "other" / "vok.jsonl")
    stopped.walk.claim(12)
    stopped.walk.stopped = True  # older than `since`: the rest was not wanted
    assert stopped.walk.unfinished is None
    stopped.walk.failed("http://127.0.0.1:8163/wp-admin/admin-ajax.php?from=12")
    assert stopped.walk.unfinished == (
        "http://127.0.0.1:8163/wp-admin/admin-ajax.php?from=12 could not be read: the articles past it were not reached"
    )
    close(memory)
    close(stopped)
