"""The README's examples run as written: on what ``scrapy samples`` leaves, and on the corpus ``scrapy crawl vok`` writes.

The reading examples (pandas, DuckDB, Parquet) read ``data/samples.jsonl``,
which the README's first command writes: they run in a folder where
``scrapy samples`` ran (a project folder of the test's own, never the
checkout's ``data/``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from tests.conftest import (
    COOKIES,
    ROOT,
    SAMPLE_SITE,
    crawl,
    expected_records,
    read_jsonl,
    run_scrapy,
    scrapy_output,
    serve,
)
from tests.fault_site import FaultySite

EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
SAMPLES = "data/samples.jsonl"  # what the README's first command, scrapy samples, writes
CORPUS = "data/kcnawatch.org/vok.jsonl"  # where the live crawl's default VOK_CORPUS puts it
CHANGES = "data/kcnawatch.org/vok.changes.jsonl"
OF_THE_SAMPLES = [e for e in EXAMPLES if SAMPLES in e]
[OF_THE_CHANGES] = [e for e in EXAMPLES if CHANGES in e]


def run_example(example: str, folder: Path) -> Deferred[subprocess.CompletedProcess[str]]:
    """A README example run as a user runs it, in ``folder`` (where its ``data/`` is), off the reactor's thread.

    Warnings are errors: an example that works only with a deprecated call is not one to copy.
    """
    command = [sys.executable, "-W", "error", "-c", example]
    return deferToThread(subprocess.run, command, cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def after_scrapy_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder where ``scrapy samples`` ran, as after the README's first command: its ``data/``."""
    folder = tmp_path_factory.mktemp("newcomer")
    shutil.copy(ROOT / "scrapy.cfg", folder)
    ran = run_scrapy("samples", "--site", str(SAMPLE_SITE), "--port", "0", cwd=folder, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return folder


def newcomers_folder(after_scrapy_samples: Path, tmp_path: Path) -> Path:
    """A copy of the folder ``scrapy samples`` left, for one example to run in (and write beside)."""
    shutil.copytree(after_scrapy_samples / "data", tmp_path / "data")
    return tmp_path


def test_the_readme_has_a_pandas_and_a_duckdb_example_of_the_samples_records():
    assert [example.split()[1] for example in OF_THE_SAMPLES] == ["pandas", "duckdb"]
    assert not [example for example in EXAMPLES if CORPUS in example and CHANGES not in example]


@pytest.mark.parametrize("example", OF_THE_SAMPLES, ids=["pandas", "duckdb"])
@pytest_twisted.inlineCallbacks
def test_a_readme_example_reads_what_scrapy_samples_wrote(after_scrapy_samples, tmp_path, example):
    ran = yield run_example(example, newcomers_folder(after_scrapy_samples, tmp_path))
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Kim Jong Un inspects new greenhouse farm" in ran.stdout  # a 2026-03-05 article, among the latest


def test_the_readme_writes_parquet_from_the_samples_records_with_duckdb(after_scrapy_samples, tmp_path):
    """The README's DuckDB line, run as written (by the shell) where ``scrapy samples`` ran."""
    import duckdb

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith('python -c "import duckdb') and "parquet" in line]
    folder = newcomers_folder(after_scrapy_samples, tmp_path)
    ran = subprocess.run(
        line.replace("python", sys.executable, 1), shell=True, cwd=folder, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    [parquet] = folder.glob("*.parquet")
    rows = duckdb.sql(f"SELECT url, title, related FROM '{parquet}'").fetchall()
    records = read_jsonl(folder / SAMPLES)
    assert len(rows) == len(records) == len(expected_records())
    assert sorted((url, title) for url, title, _ in rows) == sorted((r["url"], r["title"]) for r in records)
    assert sum(len(related) for _, _, related in rows) == sum(len(r["related"]) for r in records)


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


@pytest_twisted.inlineCallbacks
def test_the_readme_probes_the_samples_served_as_it_shows(sample_server):
    """``scrapy probe URL`` as the README writes it for the samples, on the port they are served on here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("scrapy probe http://127.0.0.1:8163/")]
    url = line.split()[2].replace("http://127.0.0.1:8163", sample_server.origin)
    out, err, code = yield scrapy_output("probe", url, "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0")
    assert code == 0, (out + err).decode()[-3000:]
    assert out.decode().strip().splitlines()[-1].startswith("verdict: OK: the crawler understands these pages")
