"""Shared fixtures: the sample site, served for real on 127.0.0.1, and its expected records."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.utils.project import get_project_settings
from twisted.internet.defer import Deferred
from twisted.internet.utils import getProcessOutputAndValue
from twisted.web.resource import Resource
from twisted.web.server import Site

from tests.fault_site import FaultySite
from vok_crawler.crawl.spiders.vok import VokSpider
from vok_crawler.tools.sample_site import ALIAS_HOST, SampleSite

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = ROOT / "samples" / "site"
SAMPLE_ORIGIN = "https://kcnawatch.org"
COOKIES = ROOT / "samples" / "cookies.txt"  # the samples' subscriber: opens their NK Pro gates
SCHEMA = json.loads((ROOT / "vok_crawler" / "schema" / "article.schema.json").read_text())
# The browser the tests drive (Debian's chromium; Playwright's own download is not reachable here), and why
# the browser tests cannot run. Skipped with that reason on a machine without it; under CI
# (VOK_REQUIRE_BROWSER=1, set by .ci/run) a missing browser fails the run instead, so no browser test rots unseen.
CHROMIUM = os.environ.get("VOK_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_MISSING = (
    "scrapy-playwright is not installed (pip install -e '.[browser]')"
    if importlib.util.find_spec("scrapy_playwright") is None
    else None
    if CHROMIUM
    else "no chromium on PATH (apt-get install chromium)"
)
if BROWSER_MISSING and os.environ.get("VOK_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"the browser tests must run here (VOK_REQUIRE_BROWSER=1), but {BROWSER_MISSING}")
needs_browser = pytest.mark.skipif(BROWSER_MISSING is not None, reason=f"no browser to test with: {BROWSER_MISSING}")
# An article of the samples that the server answers 503 once (a retry must fetch it).
FLAKY_PATH = "/newstream/1771539200-381500828/birthday-spread-sent-to-centenarian/"


VOK = "Voice of Korea (EN)"  # the samples' first source; KCNA (EN) is their second (/article/6/)


def expected_records(origin: str = SAMPLE_ORIGIN, source: str = VOK) -> dict[str, dict]:
    """Every ``expected.json`` of the samples' articles of ``source``, by URL, as served from ``origin``."""
    records = {}
    for path in sorted(SAMPLE_SITE.glob("newstream/*/*/expected.json")):
        record = json.loads(path.read_text(encoding="utf-8").replace(SAMPLE_ORIGIN, origin))
        if record["source"] == source:
            records[record["url"]] = record
    return records


def vok_settings(**settings: Any) -> dict[str, Any]:
    """The project's ``VOK_*`` settings, ``settings`` over them: what ``get_crawler`` needs to make the vok spider
    (its road and its source come from them), without the project's reactor or components."""
    project = get_project_settings().copy_to_dict()
    return {**{name: value for name, value in project.items() if name.startswith("VOK_")}, **settings}


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON Lines file; a line that is not JSON fails the test."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_valid_records(records: list[dict]) -> None:
    validator = Draft202012Validator(SCHEMA)
    for record in records:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, (record["url"], errors)


def comparable(records: Iterable[dict]) -> list[dict]:
    """Records as a test compares them: without ``crawled_at`` (the clock's), in URL order."""
    return sorted(
        ({k: v for k, v in record.items() if k != "crawled_at"} for record in records), key=lambda r: r["url"]
    )


# Every field of a record, in the order each line of the corpus writes them.
RECORD_FIELDS = [
    "url",
    "title",
    "published",
    "posted",
    "posted_at",
    "source",
    "source_url",
    "body",
    "related",
    "crawled_at",
    "capture",
]


# A failed request retried once, at once: a loopback server's faults are the test's, and waiting tells nothing.
QUICK = {"RETRY_TIMES": 1, "VOK_RETRY_BACKOFF_BASE": 0}
LOOPBACK = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 2, "LOG_LEVEL": "INFO"}


def second_name(origin: str) -> str:
    """The sample server's second host name for the site at ``origin``: ``localhost`` on its port."""
    return f"{ALIAS_HOST}:{urlsplit(origin).port}"


def crawl(corpus, start_url: str, spider_args: dict | None = None, **settings) -> Deferred[Crawler]:
    """Run ``vok`` in this process's reactor; the Deferred fires with its crawler.

    The site's second name is the server's (:func:`second_name`), as a user
    of a loopback copy of the site would set it, unless the test sets its own.
    """
    project = get_project_settings()
    aliases = {"VOK_HOST_ALIASES": second_name(start_url)}
    project.setdict({**LOOPBACK, **aliases, "VOK_CORPUS": str(corpus), **settings}, priority="cmdline")
    runner = CrawlerRunner(project)
    crawler = runner.create_crawler(VokSpider)
    return runner.crawl(crawler, start_url=start_url, **(spider_args or {})).addCallback(lambda _: crawler)


def crawl_args(start_url: str, corpus: Path | str, *args: str, **settings: object) -> list[str]:
    """``crawl vok`` from ``start_url`` into ``corpus``: the arguments for :func:`run_scrapy` and the like.

    Set as :func:`crawl` sets them in-process: the site's second name (:func:`second_name`), no delay and no
    throttle on loopback; then ``settings`` (each ``-s NAME=value``; one named here too takes its place) and
    ``args`` as they are (``-a``, ``-O``, more ``-s``).
    """
    loopback = {"VOK_HOST_ALIASES": second_name(start_url), "VOK_CORPUS": corpus}
    loopback |= {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **settings}
    options = [arg for name, value in loopback.items() for arg in ("-s", f"{name}={value}")]
    return ["crawl", "vok", "-a", f"start_url={start_url}", *options, *args]


def scrapy_command(*args: str) -> list[str]:
    """``python -m scrapy ARGS`` with this interpreter: the Scrapy of the tree's virtualenv (run it in ``ROOT``)."""
    return [sys.executable, "-m", "scrapy", *args]


def run_scrapy(*args: str, cwd: Path = ROOT, **options: Any) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS`` run to its end in ``cwd`` (the project's root), its output captured as text.

    ``options`` go to :func:`subprocess.run` (``timeout``, ``preexec_fn``); in a test of the reactor, run
    it through ``deferToThread`` or use :func:`scrapy_output`.
    """
    return subprocess.run(scrapy_command(*args), cwd=cwd, capture_output=True, text=True, **options)


def scrapy_output(*args: str, cwd: Path = ROOT) -> Deferred[tuple[bytes, bytes, int]]:
    """``scrapy ARGS`` in ``cwd`` without blocking the reactor: a Deferred of (stdout, stderr, exit code)."""
    command = scrapy_command(*args)
    return getProcessOutputAndValue(command[0], command[1:], env=dict(os.environ), path=str(cwd))


@contextmanager
def serve(resource: Resource) -> Iterator[str]:
    """``resource`` on a free port of 127.0.0.1 while the block runs; yields its origin."""
    from twisted.internet import reactor

    port = reactor.listenTCP(0, Site(resource), interface="127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port.getHost().port}"
    finally:
        port.stopListening()


def free_port() -> int:
    """A port of 127.0.0.1 free now, for a server run as another process (which cannot be given port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServedSite:
    origin: str
    resource: SampleSite


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project: its ``vok_crawler`` shadows the installed one (cwd comes first)."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "scrapy.cfg", copy)
    shutil.copytree(ROOT / "vok_crawler", copy / "vok_crawler", ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def sample_server() -> Iterator[ServedSite]:
    """The samples, with one article answering 503 once."""
    resource = SampleSite(SAMPLE_SITE, flaky={FLAKY_PATH})
    with serve(resource) as origin:
        yield ServedSite(origin, resource)


SLOW = 0.03  # seconds per response while a crawl is to be interrupted (one at a time)


@pytest.fixture
def slow_site() -> Iterator[tuple[str, FaultySite]]:
    """The samples, a little slow, so that a crawl can be stopped or killed halfway."""
    site = FaultySite(SAMPLE_SITE, delay=SLOW)
    with serve(site) as origin:
        yield origin, site


def checkout_files(skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Every file of the checkout with its size and modification time: what a test must leave as it found it.

    Hidden entries (``.git``, ``.venv``, tool caches), ``__pycache__`` and
    ``*.egg-info`` are left out, and so is ``skip`` (pytest's base temporary
    folder, should it be given inside the checkout). Untracked and ignored
    files count: ``data/samples.jsonl`` is a user's file, not the tests'.
    """
    found = {}
    for folder, folders, files in os.walk(ROOT):
        here = Path(folder)
        folders[:] = [
            name
            for name in folders
            if not name.startswith(".")
            and name != "__pycache__"
            and not name.endswith(".egg-info")
            and here / name != skip
        ]
        for name in files:
            if not name.startswith("."):
                stat = (here / name).stat()
                found[str((here / name).relative_to(ROOT))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def checkout_left_alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the tests, the checkout holds the files it held, unchanged: tests write under their tmp folders only."""
    skip = tmp_path_factory.getbasetemp().resolve()
    before = checkout_files(skip)
    yield
    after = checkout_files(skip)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        pytest.fail(f"the tests wrote into the checkout (made, changed or removed): {', '.join(changed[:20])}")


@pytest.fixture(scope="session")
def pywb_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pywb 2.10 in a virtual environment of its own (``requirements/pywb.txt``): its ``bin`` folder."""
    from tests.web_archives import pywb_environment

    return pywb_environment(tmp_path_factory.mktemp("pywb-venv"))


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory, pywb_bin: Path) -> Iterator[Any]:
    """The tests' web archive (``tests/web_archives.py``) in pywb on 127.0.0.1, for the session: a ``Pywb``."""
    from tests.web_archives import archive_captures, build_collections, running_pywb, write_warcs

    root = tmp_path_factory.mktemp("pywb")
    build_collections(pywb_bin, root, write_warcs(archive_captures(), root / "warcs"))
    with running_pywb(pywb_bin, root) as server:
        yield server
