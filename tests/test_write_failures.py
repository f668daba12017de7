"""A corpus that cannot be written: the run stops at once, says so, loses nothing.

The crawl runs as a real ``scrapy crawl`` subprocess whose files may not
grow past a few kilobytes (``RLIMIT_FSIZE``): the kernel fails the write that
would cross it, partway through a record, as a full disk fails it.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from tests.conftest import comparable, expected_records, read_jsonl, run_scrapy
from tests.test_crash import subscriber_crawl


def limit_file_size(size: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def run_crawl(origin: str, corpus: Path, max_file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    """A subscriber's ``scrapy crawl vok`` into ``corpus``, its files no larger than ``max_file_size`` if given.

    With no archive: these are the corpus's failures; the archive's are in test_archive.py.
    """
    args = subscriber_crawl(origin, corpus, VOK_ARCHIVE="")
    return run_scrapy(*args, timeout=120, preexec_fn=limit_file_size(max_file_size) if max_file_size else None)


@pytest_twisted.inlineCallbacks
def test_a_write_that_fails_partway_stops_the_run_and_the_next_run_recovers_every_article(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    failed = yield deferToThread(run_crawl, sample_server.origin, corpus, 40_000)
    assert failed.returncode != 0, failed.stderr[-2000:]
    assert "Could not write to the corpus, stopping" in failed.stderr
    lines = corpus.read_bytes().splitlines(keepends=True)
    assert 0 < len(lines) < 47 and all(line.endswith(b"\n") for line in lines)
    records = read_jsonl(corpus)  # every line whole: no record glued to a fragment
    assert len({r["url"] for r in records}) == len(records)
    state = json.loads((tmp_path / "vok.state.json").read_text())
    assert state["complete"] is False and state["finish_reason"] == "write_failed"
    health = json.loads((tmp_path / "vok.health.json").read_text())
    assert (
        health["finish_reason"] == "write_failed" and health["errors"]["write_failed"] >= 1
    )  # items in flight fail too

    again = yield deferToThread(run_crawl, sample_server.origin, corpus)
    assert again.returncode == 0, again.stderr[-2000:]
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(sample_server.origin).values())


@pytest_twisted.inlineCallbacks
def test_a_state_file_that_cannot_be_written_makes_the_run_exit_non_zero(sample_server, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    (tmp_path / "vok.state.json.partial").mkdir()  # where the state is written before its atomic replace
    run = yield deferToThread(run_crawl, sample_server.origin, corpus)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Could not write" in run.stderr and "vok.state.json" in run.stderr
    assert not (tmp_path / "vok.state.json").exists()  # no state claims a complete walk


@contextmanager
def small_disk(folder: Path, size: str = "64k", full: bool = False) -> Iterator[Path]:
    """A real small file system (a tmpfs) at ``folder``, filled up if ``full``; skipped where mounting is not allowed."""
    folder.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    ).returncode:
        pytest.skip("mounting a tmpfs needs root (the file-size limit variants run everywhere)")
    try:
        if full:
            with (folder / "filler").open("wb", buffering=0) as filler, suppress(OSError):
                while True:
                    filler.write(b"\0" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("disk", ["file-size-limit", "full-tmpfs"])
@pytest_twisted.inlineCallbacks
def test_a_full_disk_at_the_start_is_one_line_and_a_non_zero_exit(sample_server, tmp_path, disk):
    """Taking the lock is the first write: on a full disk it fails, before any request, in one line."""
    with ExitStack() as stack:
        if disk == "full-tmpfs":
            folder, limit, why = (
                stack.enter_context(small_disk(tmp_path / "disk", full=True)),
                None,
                "No space left on device",
            )
        else:
            folder, limit, why = tmp_path, 1, "File too large"  # the lock's first line crosses it: EFBIG
        run = yield deferToThread(run_crawl, sample_server.origin, folder / "vok.jsonl", limit)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.stderr.splitlines()[-1] == f"Error: cannot start on {folder / 'vok.jsonl'}: {why}"
    assert sample_server.resource.hits == {}
