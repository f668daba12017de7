"""The README's Python examples run as written, on the corpus ``scrapy crawl vok`` writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from tests.conftest import COOKIES, ROOT, SAMPLE_SITE, crawl, serve
from tests.fault_site import FaultySite

EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
CORPUS = "data/kcnawatch.org/vok.jsonl"  # where the live crawl's default VOK_CORPUS puts it
CHANGES = "data/kcnawatch.org/vok.changes.jsonl"
OF_THE_CORPUS = [e for e in EXAMPLES if CORPUS in e and CHANGES not in e]
[OF_THE_CHANGES] = [e for e in EXAMPLES if CHANGES in e]


def run_example(example: str, folder: Path) -> Deferred[subprocess.CompletedProcess[str]]:
    """A README example run as a user runs it, in ``folder`` (where its ``data/`` is), off the reactor's thread.

    Warnings are errors: an example that works only with a deprecated call is not one to copy.
    """
    command = [sys.executable, "-W", "error", "-c", example]
    return deferToThread(subprocess.run, command, cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_readme_has_a_pandas_and_a_duckdb_example_of_the_corpus():
    assert [example.split()[1] for example in OF_THE_CORPUS] == ["pandas", "duckdb"]


@pytest.mark.parametrize("example", OF_THE_CORPUS, ids=["pandas", "duckdb"])
@pytest_twisted.inlineCallbacks
def test_a_readme_example_reads_the_corpus(sample_server, tmp_path, example):
    yield crawl(tmp_path / CORPUS, f"{sample_server.origin}/article/163/")
    ran = yield run_example(example, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Kim Jong Un inspects new greenhouse farm" in ran.stdout  # a 2026-03-05 article, among the latest


@pytest_twisted.inlineCallbacks
def test_the_readme_example_lists_an_articles_versions_and_the_withdrawn_ones(tmp_path):
    edited = "/newstream/1771280000-381500825/ceramic-tea-set/"
    site = FaultySite(SAMPLE_SITE)
    with serve(site) as origin:
        yield crawl(tmp_path / CORPUS, f"{origin}/article/163/", VOK_COOKIES_FILE=str(COOKIES))
        site.rewrite = [(edited, b"This is the gift--Ceramic Tea Set", b"This is the gift, a ceramic tea set")]
        site.faults = {"/newstream/1771366400-381500826/successes-registered-in-salt-production/": "gone"}
        yield crawl(tmp_path / CORPUS, f"{origin}/article/163/", {"revisit": "1000"}, VOK_COOKIES_FILE=str(COOKIES))
    example = OF_THE_CHANGES  # as written: no URL or month to fill in
    ran = yield run_example(example, tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "first capture" in ran.stdout and "changed" in ran.stdout and "This is the gift, a cerami" in ran.stdout
    assert "1771366400" in ran.stdout  # the withdrawn article, in the last 30 days
