"""The README's Python examples run as written, on the corpus ``scrapy crawl vok`` writes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from tests.conftest import ROOT, crawl

EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
CORPUS = "data/kcnawatch.org/vok.jsonl"  # where the live crawl's default VOK_CORPUS puts it


def test_the_readme_has_a_pandas_and_a_duckdb_example_of_the_corpus():
    assert [example.split()[1] for example in EXAMPLES if CORPUS in example] == ["pandas", "duckdb"]


@pytest.mark.parametrize("example", [e for e in EXAMPLES if CORPUS in e], ids=["pandas", "duckdb"])
@pytest_twisted.inlineCallbacks
def test_a_readme_example_reads_the_corpus(sample_server, tmp_path, example):
    yield crawl(tmp_path / CORPUS, f"{sample_server.origin}/article/163/")
    ran = yield deferToThread(subprocess.run, [sys.executable, "-W", "error", "-c", example],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Kim Jong Un inspects new greenhouse farm" in ran.stdout  # a 2026-03-05 article, among the latest
