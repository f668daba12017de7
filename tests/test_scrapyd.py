"""Deploy to a real Scrapyd on 127.0.0.1, schedule ``vok`` on two days, redeploy, read what it wrote.

Scrapyd runs as the README sets it up: in a virtual environment of its own
holding ``requirements/scrapyd.txt`` (the crawler's dependencies, not the
crawler), with its own config in a temporary directory (free port, basic
auth, ``items_dir``, ``logs_dir``, SQLite job storage). The project is
deployed with ``scrapyd-deploy`` from a copy, so the ``setup.py``, ``build/``
and ``*.egg-info`` it writes never touch the work tree. The sample site is
served by this test's reactor; blocking HTTP calls run in threads so that it
keeps serving while Scrapyd's crawl reads it.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted
from packaging.requirements import Requirement
from twisted.internet.threads import deferToThread

from tests.conftest import (
    COOKIES,
    ROOT,
    assert_valid_records,
    comparable,
    expected_records,
    free_port,
    second_name,
)

BIN = Path(sys.executable).parent
USER, PASSWORD = "vok", "not-a-secret"
PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "README.md", "vok_crawler")
REQUIREMENTS = ROOT / "requirements" / "scrapyd.txt"
CHECK_DAY = ROOT / "vok_crawler" / "check_day.py"


def requirement_lines() -> list[str]:
    return [line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines() if line.split("#")[0].strip()]


def test_the_scrapyd_requirements_hold_every_dependency_of_the_crawler_and_not_the_crawler():
    dependencies = {
        Requirement(req) for req in importlib.metadata.requires("vok_crawler") or [] if "extra ==" not in req
    }
    lines = requirement_lines()
    assert dependencies and dependencies <= {Requirement(line) for line in lines}
    assert not [line for line in lines if line.startswith(("vok_crawler", ".", "-e", "git+"))]


@pytest.fixture(scope="session")
def scrapyd_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment made as the README says: ``pip install -r requirements/scrapyd.txt``."""
    venv = tmp_path_factory.mktemp("scrapyd-venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    installed = subprocess.run(
        [venv / "bin" / "pip", "install", "--quiet", "-r", REQUIREMENTS], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    shadow = subprocess.run([venv / "bin" / "python", "-c", "import vok_crawler"], cwd=venv, capture_output=True)
    assert shadow.returncode != 0  # only the deployed eggs provide the project
    return venv / "bin"


@dataclass
class Scrapyd:
    url: str
    home: Path

    def request(self, path: str, data: dict | list | None = None, auth: bool = True) -> bytes:
        """GET (or POST form ``data``) ``path``; Scrapyd's API answers JSON."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.url + path.lstrip("/"), data=body)
        if auth:
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def api(self, path: str, data: dict | list | None = None) -> dict:
        answer = json.loads(self.request(path, data))
        assert answer["status"] == "ok", answer
        return answer

    def wait_until_finished(self, job: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.api("listjobs.json?project=vok_crawler")
            done = [entry for entry in jobs["finished"] if entry["id"] == job]
            if done:
                return done[0]
            time.sleep(0.5)
        raise AssertionError(f"job {job} did not finish within {timeout}s: {jobs}")


@pytest.fixture
def scrapyd(tmp_path: Path, scrapyd_bin: Path) -> Iterator[Scrapyd]:
    """A real ``scrapyd`` on a free loopback port, stopped however the test ends."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"username = {USER}\npassword = {PASSWORD}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\ndbs_dir = {home / 'dbs'}\n"
        "jobstorage = scrapyd.jobstorage.SqliteJobStorage\npoll_interval = 0.5\nmax_proc = 2\n"
    )
    env = {**os.environ, "HOME": str(home)}  # no ~/.scrapyd.conf of the machine's
    log = (home / "scrapyd.log").open("wb")
    process = subprocess.Popen([scrapyd_bin / "scrapyd"], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Scrapyd(f"http://127.0.0.1:{port}/", home)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.api("daemonstatus.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "scrapyd.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def deploy(server: Scrapyd, project: Path, bot_name: str | None = None) -> subprocess.CompletedProcess:
    """``scrapyd-deploy`` from a copy of the project (with another ``BOT_NAME``, for a changed version)."""
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    if bot_name:
        settings = project / "vok_crawler" / "settings.py"
        settings.write_text(settings.read_text().replace('BOT_NAME = "vok_crawler"', f'BOT_NAME = "{bot_name}"'))
    env = {**os.environ, "SCRAPYD_URL": server.url, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD}
    return subprocess.run([BIN / "scrapyd-deploy"], cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_the_api_refuses_a_request_without_credentials(scrapyd):
    with pytest.raises(urllib.error.HTTPError) as refused:
        scrapyd.request("daemonstatus.json", auth=False)
    assert refused.value.code == 401


@pytest_twisted.inlineCallbacks
def test_daily_jobs_on_scrapyd_accumulate_one_corpus_and_write_their_items(sample_server, scrapyd, tmp_path):
    deployed = yield deferToThread(deploy, scrapyd, tmp_path / "project")
    assert deployed.returncode == 0, deployed.stderr
    assert json.loads(deployed.stdout)["spiders"] == 1
    assert not (ROOT / "setup.py").exists()

    corpus = tmp_path / "corpus" / "vok.jsonl"
    expected = comparable(expected_records(sample_server.origin).values())
    for day in (1, 2):
        scheduled = yield deferToThread(
            scrapyd.api,
            "schedule.json",
            [
                ("project", "vok_crawler"),
                ("spider", "vok"),
                ("start_url", f"{sample_server.origin}/article/163/"),
                ("setting", f"VOK_CORPUS={corpus}"),
                ("setting", f"VOK_COOKIES_FILE={COOKIES}"),
                ("setting", f"VOK_HOST_ALIASES={second_name(sample_server.origin)}"),
                ("setting", "DOWNLOAD_DELAY=0"),
                ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ],
        )
        job = yield deferToThread(scrapyd.wait_until_finished, scheduled["jobid"])
        items_text = yield deferToThread(scrapyd.request, job["items_url"])
        log_text = (yield deferToThread(scrapyd.request, job["log_url"])).decode()
        items = [json.loads(line) for line in items_text.decode().splitlines()]
        assert "'finish_reason': 'finished'" in log_text
        if day == 1:
            assert comparable(items) == expected, log_text[-3000:]
            assert_valid_records(items)
        else:  # the site has not changed: nothing is fetched again, nothing new is written
            assert items == [], log_text[-3000:]
            assert "'vok/articles/already_known': 12" in log_text

    lines = corpus.read_text(encoding="utf-8").splitlines()
    assert comparable(map(json.loads, lines)) == expected


def check_day(health: Path, scrapyd_log: Path) -> subprocess.CompletedProcess:
    """The README's one command, as cron would run it (any python3; the project is not imported)."""
    return subprocess.run(
        ["python3", CHECK_DAY, health, "--scrapyd-log", scrapyd_log],
        cwd=health.parent,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest_twisted.inlineCallbacks
def test_a_redeploy_takes_effect_and_a_failed_day_is_noticed(sample_server, scrapyd, tmp_path):
    corpus = tmp_path / "corpus" / "vok.jsonl"
    health, scrapyd_log = corpus.with_name("vok.health.json"), scrapyd.home / "scrapyd.log"

    def run(*settings: str):
        data = [
            ("project", "vok_crawler"),
            ("spider", "vok"),
            ("start_url", f"{sample_server.origin}/article/163/"),
            ("setting", f"VOK_CORPUS={corpus}"),
            ("setting", "DOWNLOAD_DELAY=0"),
            ("setting", "AUTOTHROTTLE_ENABLED=False"),
            *(("setting", setting) for setting in settings),
        ]
        job = scrapyd.wait_until_finished(scrapyd.api("schedule.json", data)["jobid"])
        return job, scrapyd.request(job["log_url"]).decode()

    deployed = yield deferToThread(deploy, scrapyd, tmp_path / "v1")
    assert deployed.returncode == 0, deployed.stderr
    job, log = yield deferToThread(run)
    assert "(bot: vok_crawler)" in log, log[-3000:]
    assert json.loads(health.read_text())["job"] == job["id"]
    checked = yield deferToThread(check_day, health, scrapyd_log)
    assert checked.returncode == 0, checked.stderr

    job, log = yield deferToThread(run, "VOK_RETRY_AFTER_MAX=soon")  # a bad setting: exit 2 before any request
    checked = yield deferToThread(check_day, health, scrapyd_log)
    assert checked.returncode == 1
    assert f"FAILED: Scrapyd's job {job['id']} exited with status 2" in checked.stderr
    assert f"FAILED: Scrapyd's last vok job {job['id']} wrote no health report" in checked.stderr

    deployed = yield deferToThread(deploy, scrapyd, tmp_path / "v2", bot_name="vok_crawler_v2")
    assert deployed.returncode == 0, deployed.stderr
    job, log = yield deferToThread(run)
    assert "(bot: vok_crawler_v2)" in log, log[-3000:]  # the new egg ran, not the first one
    assert json.loads(health.read_text())["job"] == job["id"]
    checked = yield deferToThread(check_day, health, scrapyd_log)
    assert checked.returncode == 0, checked.stderr
