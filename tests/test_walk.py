"""The walk through "More Articles" ends only at the real end of the list.

A synthetic site (the benchmark's generator) whose "More From" blocks show
the latest articles, so that every article past the first two dozen is
reachable only through slices; each slice ends with a link to the next one.
With a fault on one slice (a link to itself, a jump to an absurd offset, a
server that ignores ``from``, a 503 for good), a run says "finished" only if
its corpus holds every article, and the next run after the fault is gone
leaves every article exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import pytest_twisted

from tests.conftest import QUICK, ROOT, crawl, crawl_args, read_jsonl, scrapy_output, serve
from tests.fault_site import FaultySite
from vok_crawler import stats
from vok_crawler.finish_reasons import PAGINATION_REPEATS, WALK_INCOMPLETE
from vok_crawler.tools.sample_site import PAGE

sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic_site import generate, path

LISTING = "/article/163/"
FULL = 600  # the issue's site
SMALL = 100  # the same paths, in fewer slices
FAULTY = 3 * PAGE  # the third slice: articles 37 and deeper are behind it
CHECK_DAY = ROOT / "vok_crawler" / "check_day.py"


def make_site(root: Path, total: int) -> Path:
    generate(root, total, slice_list=True)
    return root


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    return make_site(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def full_site(tmp_path_factory) -> Path:
    return make_site(tmp_path_factory.mktemp("full"), FULL)


def every_article(origin: str, total: int) -> list[str]:
    return sorted(f"{origin}/{path(serial)}/" for serial in range(1, total + 1))


def corpus_urls(corpus: Path) -> list[str]:
    return sorted(record["url"] for record in read_jsonl(corpus)) if corpus.exists() else []


def state_of(corpus: Path) -> dict:
    return json.loads(corpus.with_name("vok.state.json").read_text())


def slices_asked(site: FaultySite) -> Counter[str]:
    return Counter(uri for uri in site.hits if uri.startswith("/wp-admin/"))


def faulty(root: Path, fault: str) -> FaultySite:
    site = FaultySite(root, slice_control="href", slice_faults={FAULTY: fault})
    site.ignore_from = fault == "ignore_from"
    return site


def heal(site: FaultySite) -> None:
    site.slice_faults.clear()
    site.ignore_from = False


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("self", "finished"),
        ("jump", "finished"),
        ("jump_to", "finished"),
        ("ignore_from", PAGINATION_REPEATS),
        ("unavailable", WALK_INCOMPLETE),
    ],
)
@pytest_twisted.inlineCallbacks
def test_a_slice_fault_is_never_the_end_of_the_walk(small_site, tmp_path, fault, reason):
    corpus = tmp_path / "vok.jsonl"
    site = faulty(small_site, fault)
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
        everything = every_article(origin, SMALL)
        got = corpus_urls(corpus)
        assert crawler.stats.get_value("finish_reason") == reason
        # Finished (exit 0) if and only if the corpus holds every article.
        assert (reason == "finished") == (got == everything), (len(got), len(everything))
        assert state_of(corpus)["complete"] is (reason == "finished")
        heal(site)
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
    assert crawler.stats.get_value("finish_reason") == "finished"
    records = read_jsonl(corpus)
    assert sorted(r["url"] for r in records) == everything  # each once
    assert state_of(corpus)["complete"] is True


@pytest_twisted.inlineCallbacks
def test_a_link_that_jumps_or_loops_is_not_followed_and_the_next_offset_is_asked(small_site, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = faulty(small_site, "jump_to")
    site.loop = True  # and the last slice links back to the first
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
    counters = crawler.stats.get_stats()
    assert counters[stats.SLICE_JUMPS] == 1 and counters[stats.SLICE_SEEN_AGAIN] == 1
    asked = slices_asked(site)
    assert set(asked.values()) == {1}  # each slice once
    assert not [uri for uri in asked if "99999999999999999999999" in uri]
    starts = sorted(int(uri.split("from=")[1].split("&")[0]) for uri in asked)
    assert starts == list(range(PAGE, SMALL + 1, PAGE)) + ([SMALL] if SMALL % PAGE else [])  # and the empty one
    assert corpus_urls(corpus) == every_article(origin, SMALL)


@pytest_twisted.inlineCallbacks
def test_a_server_that_ignores_from_is_told_after_one_built_slice_not_walked_forever(small_site, tmp_path):
    corpus = tmp_path / "vok.jsonl"
    site = faulty(small_site, "ignore_from")
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
    assert crawler.stats.get_value(stats.SLICE_REPEATS) == 2
    assert len(slices_asked(site)) == 3  # the first slice, its repeat, and the repeat built at the next offset
    health = json.loads(corpus.with_name("vok.health.json").read_text())
    assert health["finish_reason"] == PAGINATION_REPEATS
    assert "ignores 'from'" in health["walk_problems"][0]


@pytest.mark.parametrize("answer", ["wp0", "wp-1"])
@pytest_twisted.inlineCallbacks
def test_wordpress_s_0_or_minus_1_past_the_end_ends_the_walk(small_site, tmp_path, answer):
    corpus = tmp_path / "vok.jsonl"
    end = SMALL  # the offset after the last teaser
    site = FaultySite(small_site, slice_control="href", slice_faults={end: answer})
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
    assert any(f"from={end}&" in uri for uri in site.hits)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert crawler.stats.get_value(stats.PAGES_UNRECOGNIZED) is None
    assert state_of(corpus)["complete"] is True
    assert corpus_urls(corpus) == every_article(origin, SMALL)


@pytest_twisted.inlineCallbacks
def test_an_empty_slice_one_short_of_the_next_offset_is_no_end(small_site, tmp_path):
    """A link to the slice after this one, one teaser early (an overlap), answered empty: the walk goes on.

    The end is an empty slice at the offset after the last teaser seen (48
    here) or beyond; at 47 the server's emptiness is a gap, so 48 is asked.
    """
    corpus = tmp_path / "vok.jsonl"
    short = FAULTY + PAGE - 1
    site = FaultySite(small_site, slice_control="href", slice_faults={FAULTY: "one_short", short: "wp0"})
    with serve(site) as origin:
        crawler = yield crawl(corpus, f"{origin}{LISTING}", **QUICK)
    assert any(f"from={short}&" in uri for uri in site.hits) and any(f"from={short + 1}&" in uri for uri in site.hits)
    assert crawler.stats.get_value("finish_reason") == "finished"
    assert corpus_urls(corpus) == every_article(origin, SMALL)
    assert state_of(corpus)["complete"] is True


def scrapy_crawl(origin: str, corpus: Path):
    """``scrapy crawl vok`` in a subprocess; a Deferred of (stdout, stderr, exit code)."""
    return scrapy_output(*crawl_args(f"{origin}{LISTING}", corpus, **QUICK))


def check_day(health: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK_DAY), str(health)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest_twisted.inlineCallbacks
def test_on_600_articles_a_failed_slice_exits_1_check_day_fails_and_the_next_run_leaves_all_600_once(
    full_site, tmp_path
):
    corpus = tmp_path / "vok.jsonl"
    health = corpus.with_name("vok.health.json")
    site = faulty(full_site, "unavailable")
    with serve(site) as origin:
        _, err, code = yield scrapy_crawl(origin, corpus)
        everything = every_article(origin, FULL)
        assert code == 1, err.decode()[-2000:]
        assert len(corpus_urls(corpus)) < FULL
        checked = check_day(health)
        assert checked.returncode == 1
        assert "ended 'walk_incomplete'" in checked.stderr and "could not be read" in checked.stderr
        heal(site)
        _, err, code = yield scrapy_crawl(origin, corpus)
    assert code == 0, err.decode()[-2000:]
    assert len(read_jsonl(corpus)) == FULL
    assert corpus_urls(corpus) == everything
    assert check_day(health).returncode == 0
