"""The index saved beside the corpus (``vok.index``): a start reads only what was added after it, never a stale one.

A corpus is written by the store as a crawl writes it (the index saved at
its close), changed as a user or a crash would change it, then crawled for
real against the samples. With no state beside the corpus the crawl walks
the whole listing, so every article is looked up in the index: one that a
stale index made unknown would be fetched and written a second time.
"""

from __future__ import annotations

import json
import logging
import random
import re
import signal
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from tests.conftest import COOKIES, crawl, expected_records
from tests.test_crash import assert_whole_corpus, start_crawl, wait_for
from vok_crawler import stats
from vok_crawler.store.corpus import CorpusStore
from vok_crawler.store.index_file import IndexFile
from vok_crawler.store.serialize import json_line

NOT_USED = "is not used"


def write_corpus(corpus: Path, records: list[dict]) -> None:
    """Append ``records`` as a crawl does: through the store, whose close saves the index."""
    store = CorpusStore(corpus)
    store.open()
    for record in records:
        assert store.write(record["url"], json_line(record))
    store.close()
    store.release()


def index_of(corpus: Path) -> Path:
    return corpus.with_name("vok.index")


def lines_of(corpus: Path) -> list[bytes]:
    return corpus.read_bytes().splitlines(keepends=True)


def append_by_hand(corpus: Path, records: list[dict]) -> int:
    """Records added after the index (a merge from another machine): read at start, and known."""
    with corpus.open("a", encoding="utf-8") as file:
        file.writelines(json_line(record) for record in records)
    return len(records)


def reorder(corpus: Path, records: list[dict]) -> int:
    """The same lines in another order (``tac``, a sort): the same length, every line elsewhere."""
    lines = lines_of(corpus)
    assert len(set(lines)) == len(lines) > 1
    corpus.write_bytes(b"".join(reversed(lines)))
    return len(records)


def edit_first_title(change):
    def edit(corpus: Path, records: list[dict]) -> int:
        lines = lines_of(corpus)
        record = json.loads(lines[0])
        record["title"] = change(record["title"])
        corpus.write_bytes(json_line(record).encode() + b"".join(lines[1:]))
        return len(records)

    return edit


def cut_last_line(corpus: Path, records: list[dict]) -> int:
    """The tail lost halfway through the last record (a copy cut short): cut on open, fetched again."""
    lines = lines_of(corpus)
    corpus.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    return len(records) - 1


def garbage_index(corpus: Path, records: list[dict]) -> int:
    size = index_of(corpus).stat().st_size
    index_of(corpus).write_bytes(random.Random(15).randbytes(size))
    return len(records)


def truncated_index(corpus: Path, records: list[dict]) -> int:
    data = index_of(corpus).read_bytes()
    index_of(corpus).write_bytes(data[: len(data) - 12])
    return len(records)


def damaged_keys(corpus: Path, records: list[dict]) -> int:
    """One bit of one key flipped (a bad disk): its article's key would name no line."""
    data = bytearray(index_of(corpus).read_bytes())
    data[-1] ^= 0x01  # the highest byte of the last key (little-endian): its URL's hash
    index_of(corpus).write_bytes(bytes(data))
    return len(records)


def no_index(corpus: Path, records: list[dict]) -> int:
    """A corpus written before the index existed, or whose index was deleted: always safe."""
    index_of(corpus).unlink()
    return len(records)


CHANGES = {
    "lines-appended-after-it": (append_by_hand, None),
    "reordered-same-length": (reorder, "the corpus changed"),
    "edited-longer": (edit_first_title(lambda title: title + "!"), "the corpus changed"),
    "edited-shorter": (edit_first_title(lambda title: title[:-1]), "the corpus changed"),
    "torn-tail-cut": (cut_last_line, "the corpus changed"),
    "garbage-index": (garbage_index, "it is of another format"),
    "truncated-index": (truncated_index, "it is truncated"),
    "damaged-keys": (damaged_keys, "it is damaged"),
    "no-index": (no_index, "there is none yet"),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest_twisted.inlineCallbacks
def test_a_start_reads_only_what_the_index_lacks_and_never_trusts_a_stale_one(sample_server, tmp_path, caplog, change):
    origin, site = sample_server.origin, sample_server.resource
    records = list(expected_records(origin).values())
    corpus = tmp_path / "vok.jsonl"
    appended = change == "lines-appended-after-it"
    write_corpus(corpus, records[:40] if appended else records)
    edit, why = CHANGES[change]
    expected_reads = edit(corpus, records[40:]) if appended else edit(corpus, records)

    with caplog.at_level(logging.INFO, logger="vok_crawler.store.index_file"):
        crawler = yield crawl(corpus, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
    assert crawler.stats.get_value("finish_reason") == "finished"
    # Exactly once: what the corpus held was known, only a cut article was fetched and written again.
    urls = [json.loads(line)["url"] for line in lines_of(corpus)]
    assert sorted(urls) == sorted(expected_records(origin))
    cut = {records[-1]["url"].removeprefix(origin)} if change == "torn-tail-cut" else set()
    assert {uri for uri in site.hits if origin + uri in expected_records(origin)} == cut
    assert crawler.stats.get_value(stats.CORPUS_WRITTEN, 0) == len(cut)
    # Read: only the lines after a valid index, else all, and why is logged once.
    assert crawler.stats.get_value(stats.CORPUS_LINES_READ) == expected_reads
    not_used = [r.getMessage() for r in caplog.records if NOT_USED in r.getMessage()]
    assert (len(not_used), why is not None and why in not_used[0]) == ((1, True) if why else (0, False)), not_used
    # The index saved at the close holds the whole corpus: the next start reads nothing.
    assert IndexFile(index_of(corpus)).load(corpus) is not None
    assert not list(tmp_path.glob("*.partial"))


def lines_read_in(log: str) -> int:
    found = re.search(rf"'{re.escape(stats.CORPUS_LINES_READ)}': (\d+)", log)
    assert found, log[-3000:]
    return int(found[1])


def whole_crawl(origin: str, corpus: Path, **settings: object):
    run = start_crawl(origin, corpus, **settings)
    yield wait_for(lambda: run.poll() is not None)
    return run, run.stderr.read().decode()


@pytest_twisted.inlineCallbacks
def test_a_crawl_killed_mid_way_leaves_the_old_index_which_is_still_used(slow_site, tmp_path):
    origin, site = slow_site
    corpus = tmp_path / "vok.jsonl"
    stopped, _ = yield from whole_crawl(origin, corpus, CLOSESPIDER_ITEMCOUNT=10)
    assert stopped.returncode == 1  # stopped early: the index holds its records
    saved, covered = index_of(corpus).read_bytes(), len(lines_of(corpus))

    killed = start_crawl(origin, corpus)
    yield wait_for(lambda: len(lines_of(corpus)) >= covered + 10 or killed.poll() is not None)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"
    assert index_of(corpus).read_bytes() == saved  # the old one, holding less
    with corpus.open("a", encoding="utf-8") as file:  # as if the kill had landed in the middle of a write
        file.write('{"url": "' + origin + "/newstream/torn")
    lines = len(lines_of(corpus)) - 1  # the torn one is cut when the corpus is opened

    site.delay = 0
    again, log = yield from whole_crawl(origin, corpus)
    assert again.returncode == 0, log[-3000:]
    assert lines_read_in(log) == lines - covered  # only what the old index lacked
    assert NOT_USED not in log
    assert_whole_corpus(corpus, origin)


@pytest_twisted.inlineCallbacks
def test_a_kill_while_the_index_is_saved_leaves_the_old_or_the_new_one(slow_site, tmp_path):
    origin, site = slow_site
    corpus = tmp_path / "vok.jsonl"
    stopped, _ = yield from whole_crawl(origin, corpus, CLOSESPIDER_ITEMCOUNT=10)
    assert stopped.returncode == 1
    saved = index_of(corpus).read_bytes()

    site.delay = 0
    killed = start_crawl(origin, corpus)
    yield deferToThread(kill_at, killed, b"Saving the index of the corpus")
    assert killed.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"
    now = index_of(corpus).read_bytes()
    assert now == saved or IndexFile(index_of(corpus)).load(corpus) is not None  # the old one, or the whole new one

    # A save killed halfway leaves a partial file beside the index: it is never read.
    index_of(corpus).with_name("vok.index.partial").write_bytes(now[: len(now) // 2])
    again, log = yield from whole_crawl(origin, corpus)
    assert again.returncode == 0, log[-3000:]
    assert NOT_USED not in log
    assert_whole_corpus(corpus, origin)


def kill_at(process, text: bytes) -> None:
    """SIGKILL the moment ``process`` logs ``text`` (from the thread that reads its log: no delay of the reactor's)."""
    for line in process.stderr:
        if text in line:
            process.send_signal(signal.SIGKILL)
            return
    raise AssertionError(f"the crawl ended without logging {text!r}")
