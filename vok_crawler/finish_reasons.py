"""The finish reasons of a vok crawl that did not go well.

Any finish reason other than ``finished`` makes ``scrapy crawl`` exit
non-zero; these are the ones this project gives, each with its own cause.
"""

from __future__ import annotations

LAYOUT_BROKEN = "layout_broken"  # pages fetched, but the markup no longer fits the page objects
NOTHING_FETCHED = "nothing_fetched"  # every request failed: the site is down or unreachable
PAGINATION_NOT_FOUND = "pagination_not_found"  # a full walk could not get past its first page
PAGINATION_REPEATS = (
    "pagination_repeats"  # slices built at the next offset held only teasers seen: the site does not page
)
SEARCH_IGNORES_DATES = "search_ignores_dates"  # days of the search road showed the same teasers: dates not read
WALK_INCOMPLETE = "walk_incomplete"  # a listing page or slice failed, or the walk ended before an empty slice
ALL_GATED = "gated"  # every article page was behind the NK Pro gate: cookies are needed
BLOCKED = "blocked"  # the site kept refusing the crawl
ARCHIVE_REFUSED = "archive_refused"  # a web archive kept refusing the crawl (403/429 again and again)
ARCHIVE_INCOMPLETE = (
    "archive_incomplete"  # questions of the archive road to the index failed: its period not read whole
)
BOT_CHECK = "bot_check"  # the refusals that stopped the crawl were bot checks: the browser road passes them
SESSION_EXPIRED = "session_expired"  # a run with a session met the gate VOK_SESSION_LOST_AFTER times: the login ran out
BROWSER_LOST = "browser_lost"  # the browser road's Chromium went away and the one started again went too
WRITE_FAILED = "write_failed"  # a record could not be written to the corpus (disk full, I/O error)
FORCED_SHUTDOWN = "forced_shutdown"  # a second Ctrl-C or SIGTERM: stopped without closing
