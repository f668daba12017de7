"""Every stats key the crawl writes or reads, named once.

The spider, the pipelines, the middlewares and the health report count
under these names, and the health report and tests read them back: a key
spelled in one place cannot drift from its reader.
"""

from __future__ import annotations

from typing import Protocol


class Counters(Protocol):
    """Where the counts go: Scrapy's stats collector, as the layers below the crawl know it (no Scrapy there)."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


PAGES_LISTING = "vok/pages/listing"
PAGES_ARTICLE = "vok/pages/article"
PAGES_UNRECOGNIZED = "vok/pages/unrecognized"
PAGES_NOT_UNDERSTOOD = "vok/pages/not_understood"  # articles with no body element or no title: no record, pending
TEASERS_LISTING = "vok/teasers/listing"
PAGES_SEARCH = "vok/pages/search"  # one-day pages of the search road (-a published_from/published_to)
TEASERS_SEARCH = "vok/teasers/search"
SEARCH_FULL_DAYS = "vok/search/full_days"  # a list of ISO days whose search page was full: they may hold more
SEARCH_DAYS_UNREAD = "vok/search/days_unread"  # days whose results linked articles but held no teaser read
SEARCH_DAYS_ALIKE = "vok/search/days_alike"  # days that showed the last day's very teasers: the search ignores dates
TEASERS_WITHOUT_TEXT = "vok/teasers/without_text"  # teaser blocks (each time one is read) whose text no rule found
RECORDS_BACK_CATALOGUE = "vok/dates/back_catalogue"  # records posted more than 30 days after their published date
RECORDS_PUBLISHED_AFTER_POSTED = "vok/dates/published_after_posted"  # a date to check
RECORDS_PUBLISHED_BEFORE_1990 = "vok/dates/published_before_1990"  # a date to check (processors.EARLIEST_PUBLISHED)
GATED = "vok/gated"

ARTICLES_ALREADY_KNOWN = "vok/articles/already_known"
SKIPPED_OTHER_SOURCE = "vok/skipped/other_source"
SKIPPED_BEFORE_SINCE = "vok/skipped/before_since"
SKIPPED_OUTSIDE_PERIOD = "vok/skipped/outside_period"  # search road: published outside the period asked
SKIPPED_PUBLISHED_UNKNOWN = "vok/skipped/published_unknown"  # search road: published null, left for the listing
SKIPPED_NOT_HTML = "vok/skipped/not_html"
DUPLICATES_DROPPED = "vok/duplicates_dropped"

CORPUS_RECORDS_BEFORE = "vok/corpus/records_before"
# Lines of the corpus read at start: all of them without a valid index beside it (vok.index), else those after it.
CORPUS_LINES_READ = "vok/corpus/lines_read_at_start"
CORPUS_WRITTEN = "vok/corpus/written"
CORPUS_ALREADY_KNOWN = "vok/corpus/already_known"
REQUESTS_PER_NEW_ARTICLE = "vok/requests_per_new_article"

LISTING_STOPPED_EARLY = "vok/listing/stopped_early"
SLICE_SEEN_AGAIN = "vok/links/slice_seen_again"  # a slice link back to an offset asked already
SLICE_JUMPS = "vok/links/slice_jumps"  # a slice link past the next offset (a gap, were it followed)
SLICE_REPEATS = "vok/listing/slice_repeats"  # a slice of teasers all seen already (a server that ignores from)
LISTING_END_NOT_FOUND = "vok/listing/end_not_found"  # the slice past the end answered 404 or 410: the end of the list
LINKS_NOT_WEB = "vok/links/not_web"
REDIRECTS_OFF_SITE = "vok/redirects/off_site"
REDIRECTS_TO_OTHER_NAME = "vok/redirects/to_other_name"  # to another of the site's names: followed on the crawl's host
CHARSET_OVERRIDDEN = "vok/charset/header_overridden"
REFUSALS = "vok/refusals"
BOT_CHECKS = "vok/refusals/bot_check"  # pages that were a bot check's challenge instead of content
SESSION_LOST = "vok/session/gated_after_expiry"  # gated pages of a run whose session ran out (left pending)
BROWSER_PAGES = "vok/browser/pages"  # pages fetched through the browser road
BROWSER_LOST = "vok/browser/lost"  # times the browser went away (killed, crashed) or did not start again
COOKIES_SENT = "vok/cookies/requests_with_cookies"

# The WARC archive of the responses (vok_crawler.crawl.archive, .warc) and its replay (vok_crawler.crawl.replay).
ARCHIVE_RESPONSES = "vok/archive/responses"
ARCHIVE_BYTES = "vok/archive/bytes"
ARCHIVE_FILES = "vok/archive/files"
ARCHIVE_HEADERS_REDACTED = "vok/archive/headers_redacted"
ARCHIVE_TORN_TAILS = "vok/archive/torn_tails"
REPLAY_HIT = "vok/replay/hit"
REPLAY_MISS = "vok/replay/miss"
REPLAY_URLS = "vok/replay/urls_in_archive"
# The web's archives (vok_crawler.site.captures, .capture_records): their index's answers and their records.
CAPTURES_LINES_UNREAD = "vok/captures/index_lines_unread"  # lines of an index's answer that are no capture
CAPTURES_INDEX_MESSAGES = "vok/captures/index_messages"  # an index's message instead of captures; a resume key looping
CAPTURES_OTHER_STYLE = "vok/captures/answers_in_other_style"  # Wayback's list where pywb's NDJSON was asked, or back
CAPTURES_WITHOUT_LOCATION = "vok/captures/without_location"  # VOK_ARCHIVE_WARC set, the index gave no file and offset
CAPTURES_RECORDS_UNREAD = "vok/captures/records_unread"  # a byte range that held no response record of its capture
# Reading the site from a web archive (vok_crawler.crawl.archive_reading: the archive road, -a fill=archive).
WEB_ARCHIVE_INDEX_ANSWERS = "vok/web_archive/index_answers"  # the index's answers read (its pages included)
WEB_ARCHIVE_INDEX_FAILED = "vok/web_archive/index_failed"  # questions to the index that failed for good
WEB_ARCHIVE_ARTICLES = "vok/web_archive/articles"  # articles with a whole capture in the index, not known yet
WEB_ARCHIVE_CAPTURES_READ = "vok/web_archive/captures_read"  # captures read as whole articles
WEB_ARCHIVE_CAPTURES_SKIPPED = "vok/web_archive/captures_skipped"  # captures passed over: gate, challenge, broken
WEB_ARCHIVE_NO_WHOLE_CAPTURE = "vok/web_archive/without_whole_capture"  # articles none of whose captures was whole
WEB_ARCHIVE_FILL_FOUND = "vok/web_archive/fill/found"  # articles the live site refused, read from the archive
WEB_ARCHIVE_FILL_NOT_FOUND = "vok/web_archive/fill/not_found"  # such articles without a whole capture in it

ERRORS = "vok/errors/"
INVALID_DATE = "vok/invalid_date/"
INVALID_RECORD = "vok/invalid_record/"  # records that failed the JSON Schema, by field
FIELD_MISSING = "vok/fields/missing/"
FIELD_FALLBACK = "vok/fields/fallback/"
PAGINATION_ROUTE = "vok/pagination/route/"
RETRY = "vok/retry/"
CHANGES = "vok/changes/"  # revisited articles: changed, deleted, restored
# Article links (each URL once a run) on a host name that is not the site's (VOK_HOST_ALIASES), by host: not followed.
UNKNOWN_HOSTS = "vok/links/unknown_host/"


def error(kind: str) -> str:
    """``vok/errors/<kind>``: a request that failed for good, by kind (:mod:`vok_crawler.errors`)."""
    return f"{ERRORS}{kind}"


def invalid_date(field: str) -> str:
    return f"{INVALID_DATE}{field}"


def invalid_record(field: str) -> str:
    return f"{INVALID_RECORD}{field}"


def field_missing(field: str) -> str:
    return f"{FIELD_MISSING}{field}"


def field_fallback(field: str, rule: str) -> str:
    return f"{FIELD_FALLBACK}{field}/{rule}"


def pagination_route(route: str) -> str:
    return f"{PAGINATION_ROUTE}{route}"


def change(kind: str) -> str:
    return f"{CHANGES}{kind}"


def unknown_host(host: str) -> str:
    """``vok/links/unknown_host/<host>``: article links on a host name the crawl does not take for the site's."""
    return f"{UNKNOWN_HOSTS}{host}"


def retry(why: str) -> str:
    return f"{RETRY}{why}"


def by_suffix(stats: dict[str, object], prefix: str) -> dict[str, object]:
    """The counters under ``prefix``, keyed by what follows it (for the health report)."""
    return {key.removeprefix(prefix): value for key, value in sorted(stats.items()) if key.startswith(prefix)}
