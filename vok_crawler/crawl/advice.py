"""What to do after each finish reason: one table for the closing summary, the health verdicts and the log
lines of the components that stop a crawl (the README's table of exit codes, in short).

A run given a session (cookies or a browser profile) that ends ``gated`` did give a subscriber's cookies:
telling it to give them would be wrong. Its advice is :data:`WITH_SESSION`'s: the session did not open the gate.
"""

from __future__ import annotations

from vok_crawler.finish_reasons import (
    ALL_GATED,
    ARCHIVE_INCOMPLETE,
    ARCHIVE_REFUSED,
    BLOCKED,
    BOT_CHECK,
    BROWSER_LOST,
    FORCED_SHUTDOWN,
    LAYOUT_BROKEN,
    NOTHING_FETCHED,
    PAGINATION_NOT_FOUND,
    PAGINATION_REPEATS,
    SEARCH_IGNORES_DATES,
    SESSION_EXPIRED,
    WALK_INCOMPLETE,
    WRITE_FAILED,
)

AGAIN = "run the same command again: it walks the whole listing and fetches only what is missing"
FRESH_LOGIN = "export fresh cookies (-s VOK_COOKIES_FILE=cookies.txt) or log in again (scrapy login DIR) and run again"
ADVICE = {
    "finished": "nothing to do",
    "shutdown": f"stopped by a signal; {AGAIN}",
    FORCED_SHUTDOWN: f"stopped by a second signal; {AGAIN}",
    WRITE_FAILED: f"a file could not be written (is the disk full?); make room, then {AGAIN}",
    BLOCKED: "the site kept refusing; wait some hours, then run again (every unread article is pending)",
    ARCHIVE_REFUSED: (
        "the web archive (VOK_ARCHIVE_CDX) kept refusing; wait some hours, then run again (what was not read from "
        "it is pending, or keeps what the live site gave it)"
    ),
    ARCHIVE_INCOMPLETE: (
        "questions to the web archive's index failed for good, so the period was not read whole; run the same "
        "command again: it asks the whole period, and reads only the articles the corpus lacks"
    ),
    ALL_GATED: (
        "give a subscriber's cookies: export the site's cookies from your browser as a Netscape "
        "cookies.txt and run with -s VOK_COOKIES_FILE=cookies.txt"
    ),
    PAGINATION_NOT_FOUND: "no way past the first listing page; run scrapy probe, then give -a source_id=K",
    LAYOUT_BROKEN: "the site's markup changed; run scrapy probe --save DIR and fix the page objects",
    NOTHING_FETCHED: "the site could not be reached; check the network, then run again",
    WALK_INCOMPLETE: f"a listing page or slice failed for good, so the walk did not reach its end; {AGAIN}",
    PAGINATION_REPEATS: "the slices repeat what was seen (the site does not page); run scrapy probe, then report it",
    BOT_CHECK: (
        "the site answers with a bot check that only a browser passes: log in once with `scrapy login DIR`, then "
        "crawl through that browser profile with -s VOK_BROWSER_PROFILE=DIR (pip install -e '.[browser]'); "
        "what was not read stays pending"
    ),
    SESSION_EXPIRED: (
        f"the login ran out, or does not open the gate: {FRESH_LOGIN}; the articles met behind the gate in this run "
        "are pending"
    ),
    SEARCH_IGNORES_DATES: "the site's search ignores the dates asked; read the period by the listing's walk instead",
    BROWSER_LOST: (
        f"the browser went away twice in a row (killed, crashed, out of memory?); check the machine, then {AGAIN}"
    ),
}
# Where a run given a session (cookies or a browser profile) needs other words than ADVICE's.
WITH_SESSION = {
    ALL_GATED: (
        "the session given (cookies or a browser profile) did not open the gate: it has expired, or is not a "
        f"subscriber's; {FRESH_LOGIN}; the gated articles are asked for again by the next run with a session"
    ),
}
CLOSESPIDER = f"a CLOSESPIDER_* limit stopped it; {AGAIN}"
UNKNOWN = f"see the errors above; {AGAIN}"


def advice(reason: str, session: bool = False) -> str:
    """What to do after a run that ended with the finish reason ``reason``; ``session``: the run was given one
    (:func:`~vok_crawler.crawl.config.has_session`)."""
    if reason.startswith("closespider_"):
        return CLOSESPIDER
    if session and reason in WITH_SESSION:
        return WITH_SESSION[reason]
    return ADVICE.get(reason, UNKNOWN)
