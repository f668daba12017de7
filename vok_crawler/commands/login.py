"""``scrapy login DIR [URL]``: log in once, in a real browser, and keep the session in a profile.

Opens a visible Chromium on the profile ``DIR`` (made if new) at the site's
login page and returns when the user closes the browser. The profile then
holds the user's own session (cookies, and whatever the site's bot check
left), and ``scrapy crawl vok -s VOK_BROWSER_PROFILE=DIR`` crawls through
it. It is the plain browser: no automation at all, nothing hidden or faked.

On a server without a screen, log in on a laptop and copy ``DIR`` over (the
README says how). Exit 0 when the browser was closed, 1 when it failed, 2
(one ``Error:`` line) when it cannot start: no screen, a bad URL, no browser.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from vok_crawler.crawl.browser import CHROMIUM_ARGS, find_browser
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.urls import canonical_url

# WordPress's own login page: KCNA Watch is a WordPress multisite (docs/site.md); give URL if it logs in elsewhere.
LOGIN_URL = "https://kcnawatch.org/wp-login.php"


def login_command(executable: str, profile: Path, url: str) -> list[str]:
    """The browser, visible, on the profile, at ``url``: as the user would start it, quiet on a closed network."""
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return [executable, f"--user-data-dir={profile}", *CHROMIUM_ARGS, *sandbox, "--new-window", url]


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "DIR [URL] [-s VOK_BROWSER_EXECUTABLE=PATH]"

    def short_desc(self) -> str:
        return (
            "Open a browser on the profile DIR at the site's login page; the crawl uses it with VOK_BROWSER_PROFILE=DIR"
        )

    def long_desc(self) -> str:
        return (
            f"Opens a visible Chromium with the persistent profile DIR (made if new) at URL (default {LOGIN_URL}). "
            "Log in, pass the site's check if it shows one, then close the browser: the command returns and the "
            "profile keeps the session. Then: scrapy crawl vok -s VOK_BROWSER_PROFILE=DIR. Needs a screen; on a "
            "server, log in on a laptop and copy DIR over. The profile holds your session's cookies: keep it private."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not 1 <= len(args) <= 2:
            raise UsageError("scrapy login takes a profile directory and, optionally, a URL")
        assert self.settings is not None
        try:
            command = self._command(args)
        except BadConfiguration as error:
            print(f"Error: {error}", file=sys.stderr)
            self.exitcode = 2
            return
        print(f"Log in in the browser window, then close it; the session is kept in {args[0]}", file=sys.stderr)
        self.exitcode = 0 if subprocess.run(command, check=False).returncode == 0 else 1

    def _command(self, args: list[str]) -> list[str]:
        assert self.settings is not None
        url = args[1] if len(args) > 1 else LOGIN_URL
        if canonical_url(url, url, url) is None:
            raise BadConfiguration(f"URL must be an http(s) URL, not {url!r}")
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise BadConfiguration(
                "no screen to show the browser on (DISPLAY is not set): log in on a machine with one and copy "
                f"{args[0]} here"
            )
        profile = Path(args[0]).expanduser()
        if profile.exists() and not profile.is_dir():
            raise BadConfiguration(f"{profile} is not a directory")
        profile.mkdir(parents=True, exist_ok=True)
        return login_command(find_browser(self.settings.get("VOK_BROWSER_EXECUTABLE") or ""), profile.resolve(), url)
