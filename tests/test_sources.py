"""Any KCNA Watch source by configuration: each into its own corpus and archive, named after it, nothing crossing.

The samples hold two sources (``samples/README.md``): Voice of Korea (EN),
``/article/163/``, and KCNA (EN), ``/article/6/``, with its own slice id and
slices, one article of each filed in the other's list. Crawled one after the
other into the same folder (``VOK_CORPUS``'s ``%(source)s``), each source's
corpus holds its own articles exactly; the health report, the summary,
``check_day``, the report page, the export and the probe name the source.
A subclass of the spider with another name is a crawl like ``vok``'s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest_twisted

from tests.conftest import (
    COOKIES,
    ROOT,
    comparable,
    crawl_args,
    expected_records,
    free_port,
    read_jsonl,
    run_scrapy,
    scrapy_output,
    second_name,
)
from tests.test_probe import probe
from vok_crawler.store.paths import CorpusFiles, source_name
from vok_crawler.tools.check_day import problems
from vok_crawler.tools.coverage import count

KCNA = "KCNA (EN)"
VOK = "Voice of Korea (EN)"
CHECK_DAY = ROOT / "vok_crawler" / "check_day.py"
SUBCLASS = '''
from vok_crawler.crawl.spiders.vok import VokSpider


class Kcna(VokSpider):
    """KCNA (EN): the vok spider under another name, for another source."""

    name = "kcna"
    custom_settings = {**VokSpider.custom_settings, "VOK_SOURCE": "KCNA (EN)"}
'''


def test_a_sources_files_are_named_after_it_voice_of_koreas_keeping_their_names(tmp_path):
    assert [source_name(s) for s in (VOK, KCNA, "Rodong Sinmun (EN)", " Rodong Sinmun ", "로동신문", "(!)")] == [
        "vok",
        "kcna-en",
        "rodong-sinmun-en",
        "rodong-sinmun",
        "로동신문",
        "",
    ]
    files = CorpusFiles(tmp_path / "any.jsonl")
    assert files.archive_of(VOK) == tmp_path / "archive"  # the archive as it always was, whatever the corpus
    assert files.archive_of(KCNA) == tmp_path / "kcna-en.archive"


def health_of(corpus: Path) -> dict:
    return json.loads(CorpusFiles(corpus).health.read_text(encoding="utf-8"))


@pytest_twisted.inlineCallbacks
def test_each_source_is_crawled_into_its_own_corpus_and_archive_with_nothing_crossing(sample_server, tmp_path):
    origin = sample_server.origin
    template = tmp_path / "data" / "%(site)s" / "%(source)s.jsonl"  # VOK_CORPUS's default, under tmp_path
    folder = tmp_path / "data" / origin.removeprefix("http://").replace(":", "_")
    _out, err, code = yield scrapy_output(
        *crawl_args(f"{origin}/article/163/", template, VOK_COOKIES_FILE=COOKIES, LOG_LEVEL="INFO")
    )
    assert code == 0, err.decode()[-3000:]
    _out, err, code = yield scrapy_output(
        *crawl_args(f"{origin}/article/6/", template, "-a", f"source={KCNA}", LOG_LEVEL="INFO")
    )
    assert code == 0, err.decode()[-3000:]
    assert f"Source: KCNA (EN); road: listing; corpus: {folder / 'kcna-en.jsonl'}." in err.decode()
    assert_each_source_in_its_own_files(folder, origin)
    assert_named_by_what_reads_the_corpus_offline(folder / "kcna-en.jsonl", tmp_path / "kcna.db")


def assert_each_source_in_its_own_files(folder: Path, origin: str) -> None:
    """Two corpora side by side, each its source's records exactly, its own state, health report and archive."""
    vok, kcna = folder / "vok.jsonl", folder / "kcna-en.jsonl"
    assert comparable(read_jsonl(vok)) == comparable(expected_records(origin).values())  # the 47, unchanged
    assert comparable(read_jsonl(kcna)) == comparable(expected_records(origin, KCNA).values())
    assert len(read_jsonl(vok)) == 47 and len(read_jsonl(kcna)) == 8
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["archive", "kcna-en.archive", *(f"{stem}{suffix}" for stem in ("vok", "kcna-en") for suffix in SIBLINGS)]
    )
    assert list((folder / "kcna-en.archive").glob("*.warc.gz")) and list((folder / "archive").glob("*.warc.gz"))
    # Each skipped the other's article filed in its list, and says whose its corpus is.
    states = {name: json.loads((folder / f"{name}.state.json").read_text()) for name in ("vok", "kcna-en")}
    kcna_filed = f"{origin}/newstream/1772300000-990010/kcna-commentary-on-sanctions/"
    vok_filed = f"{origin}/newstream/1772500800-381500836/science-and-technology-dissemination-network-expanded/"
    assert kcna_filed in states["vok"]["skipped"] and states["kcna-en"]["skipped"] == [vok_filed]
    assert all(state["complete"] for state in states.values())
    health = health_of(kcna)
    assert (health["source"], health["spider"], health["road"]) == (KCNA, "vok", "listing")
    assert health["articles"]["new"] == 8 and health["articles"]["dropped"] == {"other_source": 1}
    assert health["pagination"]["source_id"] == "990010"
    assert health_of(vok)["source"] == VOK


def assert_named_by_what_reads_the_corpus_offline(kcna: Path, database: Path) -> None:
    """check_day, the report's figures and page, and the export's metadata name KCNA (EN), from its files."""
    health = CorpusFiles(kcna).health
    assert problems(health) == []
    checked = subprocess.run([sys.executable, str(CHECK_DAY), str(health)], capture_output=True, text=True)
    assert checked.stdout == f"OK: {health} says finished (KCNA (EN))\n", checked.stderr
    assert count(kcna).source_name() == KCNA
    reported = run_scrapy("report", str(kcna))
    assert reported.returncode == 0, reported.stderr[-3000:]
    page = kcna.with_name("kcna-en.report.html").read_text(encoding="utf-8")
    assert "<title>KCNA (EN) corpus report</title>" in page and "<h1>KCNA (EN) corpus: 8 articles</h1>" in page
    assert "Voice of Korea" not in page
    assert json.loads(kcna.with_name("kcna-en.report.json").read_text())["sources"] == {KCNA: 8}
    exported = run_scrapy("export", str(kcna), "--sqlite", str(database))
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert json.loads(database.with_name("kcna.metadata.json").read_text())["title"] == "KCNA (EN) on KCNA Watch"


SIBLINGS = (".jsonl", ".lock", ".index", ".state.json", ".health.json", ".health.jsonl")


def test_a_corpus_of_no_record_yet_is_named_by_its_health_report(tmp_path):
    corpus = tmp_path / "rodong-sinmun-en.jsonl"
    corpus.write_text("")
    CorpusFiles(corpus).health_history.write_text(json.dumps({"source": "Rodong Sinmun (EN)"}) + "\n")
    assert count(corpus).source_name() == "Rodong Sinmun (EN)"
    (tmp_path / "none.jsonl").write_text("")
    assert count(tmp_path / "none.jsonl").source_name() == "KCNA Watch"  # neither says: the site


def test_check_day_names_the_source_and_reads_scrapyds_log_for_the_reports_own_spider(tmp_path):
    health = tmp_path / "kcna-en.health.json"
    report = {"job": "j2", "spider": "kcna", "source": KCNA, "finish_reason": "layout_broken", "finished_at": None}
    health.write_text(json.dumps(report))
    log = tmp_path / "scrapyd.log"
    log.write_text(
        "Process started: project='vok_crawler' spider='vok' job='j1'\n"
        "Process started: project='vok_crawler' spider='kcna' job='j2'\n"
        "Process died: exitstatus=1 project='vok_crawler' spider='kcna' job='j2'\n"
        "Process started: project='vok_crawler' spider='vok' job='j3'\n"
    )
    assert problems(health, log) == [
        "the last run of KCNA (EN) (job j2) ended 'layout_broken'",
        "the last health report is from None: no run has finished since",
        "Scrapyd's job j2 exited with status 1",  # kcna's last job is j2, whatever vok's are
    ]


@pytest_twisted.inlineCallbacks
def test_a_subclass_of_the_spider_under_another_name_keeps_its_own_corpus_and_exit_codes(sample_server, project):
    """In a copy of the project with a spider module of its own: the vok spider under another name, for KCNA."""
    (project / "vok_crawler" / "crawl" / "spiders" / "kcna.py").write_text(SUBCLASS)
    origin = sample_server.origin
    fast = [
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        f"VOK_HOST_ALIASES={second_name(origin)}",
    ]
    _out, err, code = yield scrapy_output("crawl", "kcna", "-a", f"start_url={origin}/article/6/", *fast, cwd=project)
    assert code == 0, err.decode()[-3000:]
    folder = project / "data" / origin.removeprefix("http://").replace(":", "_")
    corpus = folder / "kcna-en.jsonl"  # VOK_CORPUS's default, named after its source
    assert comparable(read_jsonl(corpus)) == comparable(expected_records(origin, KCNA).values())
    health = health_of(corpus)
    assert (health["spider"], health["source"], health["finish_reason"]) == ("kcna", KCNA, "finished")
    assert json.loads((folder / "kcna-en.state.json").read_text())["complete"] is True
    assert list((folder / "kcna-en.archive").glob("*.warc.gz"))
    assert not (folder / "vok.jsonl").exists()
    # Its exit codes are vok's: 1 for a run that did not finish well, 2 for a bad argument.
    down = f"http://127.0.0.1:{free_port()}/article/6/"
    _out, err, code = yield scrapy_output("crawl", "kcna", "-a", f"start_url={down}", *fast, cwd=project)
    assert code == 1, err.decode()[-3000:]
    assert "Finish reason nothing_fetched" in err.decode()
    _out, err, code = yield scrapy_output("crawl", "kcna", "-a", "since=yesterday", *fast, cwd=project)
    assert code == 2 and err.decode().splitlines()[-1] == "Error: since must be a date as YYYY-MM-DD, not 'yesterday'"


@pytest_twisted.inlineCallbacks
def test_the_probe_names_the_source_the_listing_shows(sample_server):
    listing = f"{sample_server.origin}/article/6/"
    aliases = f"VOK_HOST_ALIASES={second_name(sample_server.origin)}"
    out, err, code = yield probe(listing, "-s", aliases)
    assert code == 0, out + err[-3000:]
    assert "listing shows   KCNA (EN) (its heading): not the crawl's source, Voice of Korea (EN)" in out
    assert "the article's source is 'KCNA (EN)', not 'Voice of Korea (EN)': the crawl would skip it" in out
    assert out.rstrip().endswith(
        "verdict: OK: the crawler understands these pages; the listing shows KCNA (EN), not Voice of Korea (EN): "
        "-a source='KCNA (EN)'"
    )
    out, err, code = yield probe(listing, "-s", aliases, "-s", f"VOK_SOURCE={KCNA}")
    assert code == 0, out + err[-3000:]
    assert "listing shows   KCNA (EN) (its heading): the crawl's source" in out
    assert out.rstrip().endswith("verdict: OK: the crawler understands these pages")
