"""``scrapy login DIR [URL]``: the user's own browser, visible, on the profile the crawl will use."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT
from vok_crawler.commands.login import LOGIN_URL
from vok_crawler.crawl.browser import CHROMIUM_ARGS

# Stands in for the browser: records how it was started, and "is closed" by the user at once.
FAKE_BROWSER = '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/started-with"\n'


def login(*args: str, display: str | None = ":0", browser: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = display
    settings = ["-s", f"VOK_BROWSER_EXECUTABLE={browser}"] if browser else []
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "login", *args, *settings], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_login_opens_the_browser_on_the_profile_at_the_login_page_and_returns_when_it_closes(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text(FAKE_BROWSER)
    browser.chmod(0o755)
    profile = tmp_path / "profile"
    result = login(str(profile), browser=str(browser))
    assert result.returncode == 0, result.stderr
    started = (tmp_path / "started-with").read_text().splitlines()
    assert f"--user-data-dir={profile}" in started and started[-1] == LOGIN_URL
    assert set(CHROMIUM_ARGS) <= set(started)
    assert not [arg for arg in started if "headless" in arg or "automation" in arg]  # visible, and no disguise
    assert profile.is_dir()
    other = login(str(profile), "http://127.0.0.1:8163/wp-login.php", browser=str(browser))
    assert other.returncode == 0 and (tmp_path / "started-with").read_text().splitlines()[-1].endswith("/wp-login.php")


def test_login_without_a_screen_a_url_or_a_profile_is_one_error_line(tmp_path):
    no_screen = login(str(tmp_path / "profile"), display=None)
    assert no_screen.returncode == 2
    assert no_screen.stderr.strip().splitlines()[-1].startswith("Error: no screen to show the browser on")
    assert not (tmp_path / "profile").exists()
    bad_url = login(str(tmp_path / "profile"), "ftp://example.org/")
    assert bad_url.returncode == 2 and bad_url.stderr.strip().endswith("not 'ftp://example.org/'")
    (tmp_path / "file").write_text("")
    not_a_dir = login(str(tmp_path / "file"))
    assert not_a_dir.returncode == 2 and "is not a directory" in not_a_dir.stderr
    assert login().returncode == 2  # no profile named: a usage error
