"""The browser road: real Chromium, a real persistent profile, through a bot check only a browser passes.

Skipped, saying why, where scrapy-playwright or a Chromium is missing; under
CI a missing browser fails instead (``tests.conftest.needs_browser``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pytest_twisted
from warcio.archiveiterator import ArchiveIterator

from tests.challenge_site import PASS_VALUE, GuardedSite
from tests.conftest import (
    CHROMIUM,
    COOKIES,
    SAMPLE_SITE,
    comparable,
    expected_records,
    needs_browser,
    read_jsonl,
    run_scrapy,
    serve,
)
from tests.test_cookies import HOST_ONLY_AND_DOMAIN_COOKIES
from tests.test_faults import scrapy_crawl, state_of
from vok_crawler.crawl.browser import browser_cookies
from vok_crawler.crawl.cookies import load_cookies
from vok_crawler.crawl.warc_records import RENDERED_HEADER
from vok_crawler.tools.sample_site import SUBSCRIBER_COOKIE, SUBSCRIBER_SECRET

LOGIN = textwrap.dedent(
    """
    import sys
    from playwright.sync_api import sync_playwright

    profile, chromium, origin, name, value = sys.argv[1:]
    args = ["--no-sandbox", "--no-first-run", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True, args=args)
        context.add_cookies([{"name": name, "value": value, "url": origin, "expires": 4102444800, "httpOnly": True}])
        context.close()
    """
)


def logged_in_profile(tmp_path: Path, origin: str, login: str = SUBSCRIBER_SECRET) -> Path:
    """A profile in which the subscriber has logged in: the login cookie kept in the profile itself.

    ``login`` is the cookie's value: another than the samples' is a login the site has forgotten.
    """
    profile = tmp_path / "profile"
    subprocess.run(
        [sys.executable, "-c", LOGIN, str(profile), CHROMIUM, origin, SUBSCRIBER_COOKIE, login],
        check=True,
        timeout=120,
    )
    return profile


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def archived(directory: Path) -> list[tuple[str, bytes]]:
    """Every record of the WARC files: its WARC and HTTP headers, and its payload, as text."""
    records = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers.to_str() + (record.http_headers.to_str() if record.http_headers else "")
                records.append((record.rec_type, headers.encode() + record.content_stream().read()))
    return records


@needs_browser
@pytest.mark.parametrize("session", ["profile", "cookies-file"])
@pytest_twisted.inlineCallbacks
def test_the_browser_road_passes_the_bot_check_and_writes_every_article_exactly(tmp_path, session):
    out = tmp_path / "out"
    corpus = out / "vok.jsonl"
    site = GuardedSite(SAMPLE_SITE, challenge=503)
    with serve(site) as origin:
        if session == "profile":
            profile, extra = logged_in_profile(tmp_path, origin), []
        else:  # a fresh profile; the subscriber's cookies from the file
            profile, extra = tmp_path / "empty-profile", ["-s", f"VOK_COOKIES_FILE={COOKIES}"]
            profile.mkdir()
        _, err, code = yield scrapy_crawl(
            origin,
            corpus,
            "-s",
            f"VOK_BROWSER_PROFILE={profile}",
            "-s",
            f"VOK_BROWSER_EXECUTABLE={CHROMIUM}",
            "-s",
            "LOG_LEVEL=DEBUG",
            *extra,
        )
        log = err.decode()
        assert code == 0, log[-4000:]
        expected = expected_records(origin)
    records = read_jsonl(corpus)
    assert comparable(records) == comparable(expected.values())  # every article, exactly, each once
    assert site.challenges >= 1  # the check was met, and passed by the browser
    state = state_of(corpus)
    assert state["complete"] and state["pending"] == state["gated"] == []
    records = archived(out / "archive")
    pages = [text for kind, text in records if kind == "response" and b"/robots.txt" not in text.split(b"\n")[3]]
    assert pages and all(RENDERED_HEADER.encode() in text for text in pages)  # marked as the browser's
    # The session's secrets reach no file, no archived record and no line of the log.
    for secret in (SUBSCRIBER_SECRET.encode(), PASS_VALUE):
        assert secret not in log.encode()
        assert not [text[:300] for _, text in records if secret in text]
        for path in files_under(out):
            assert secret not in path.read_bytes(), path


@needs_browser
def test_a_missing_profile_or_a_browser_that_does_not_start_is_one_error_line(tmp_path):
    def run(*settings: str) -> subprocess.CompletedProcess[str]:
        corpus = f"VOK_CORPUS={tmp_path}/vok.jsonl"
        return run_scrapy("crawl", "vok", "--nolog", *[arg for s in (corpus, *settings) for arg in ("-s", s)])

    missing = run(f"VOK_BROWSER_PROFILE={tmp_path}/nowhere")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        (
            f"Error: VOK_BROWSER_PROFILE {tmp_path}/nowhere is not a directory: make one by logging in with "
            f"`scrapy login {tmp_path}/nowhere`"
        )
    ]
    (tmp_path / "profile").mkdir()
    broken = tmp_path / "broken-browser"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n")
    broken.chmod(0o755)
    failed = run(f"VOK_BROWSER_PROFILE={tmp_path}/profile", f"VOK_BROWSER_EXECUTABLE={broken}")
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: the browser {broken} does not start"), lines
    assert not (tmp_path / "vok.jsonl").exists() and not (tmp_path / "vok.state.json").exists()


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://kcnawatch.org/article/163/", {"host_only": "kcnawatch.org", "with_subdomains": ".kcnawatch.org"}),
        ("https://www.kcnawatch.org/article/163/", {"with_subdomains": ".kcnawatch.org"}),  # one label past it
        ("https://a.www.kcnawatch.org/", {"with_subdomains": ".kcnawatch.org"}),
        ("https://notkcnawatch.org/", {}),  # a name that only ends with it is another site
        ("https://org/", {}),
    ],
)
def test_a_host_only_cookie_goes_into_the_browser_for_its_own_host_alone(tmp_path, url, sent):
    # The domain goes to the browser as the file has it: without its dot, Playwright keeps it host-only.
    path = tmp_path / "cookies.txt"
    path.write_text(HOST_ONLY_AND_DOMAIN_COOKIES)
    assert {cookie["name"]: cookie["domain"] for cookie in browser_cookies(load_cookies(path), url)} == sent
