"""Loader processors: raw strings from the page in, the record's values out.

Each is a plain function or a small callable so that it can be tested on its
own. Processors that find bad input (a date that does not exist) do not log
or count it: they append a :class:`~vok_crawler.site.problems.Problem` to the
loader context's ``problems`` list, which the page returns with the value it read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import urlsplit

from vok_crawler import stats
from vok_crawler.items import RawTeaser, Teaser
from vok_crawler.site.problems import Problem
from vok_crawler.site.text import LINE_BREAK, PARAGRAPH_BREAK
from vok_crawler.site.urls import ARTICLE_PATH

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s*(\d{1,2})\s*,?\s*(\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
# KCNA Watch posts on Korea time: the posting day is the epoch's date in UTC+9.
KOREA = timezone(timedelta(hours=9))


def normalize_space(text: str) -> str:
    """Every run of white space (breaks included) as one space, trimmed.

    ``str.split()`` cuts at the very characters that ``\\s`` matches in a
    ``str`` pattern (Unicode white space: no-break space, U+2028, U+2029),
    at a third of a regular expression's cost: it runs for every field and
    teaser of every page.
    """
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """Split marked-up text into paragraphs, each with its ``<br>`` lines.

    Lines are normalized and empty lines and paragraphs dropped, so
    ``<p> </p>`` and ``<br><br>`` leave no blank line behind.
    """
    result = []
    for block in text.split(PARAGRAPH_BREAK):
        lines = [normalize_space(line) for line in block.split(LINE_BREAK)]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            result.append(paragraph)
    return result


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(name: str) -> int | None:
    """``Mar``, ``March`` and ``Sept`` alike: a name is any prefix of three letters or more."""
    name = name.lower()
    return next((n for n, full in enumerate(_MONTH_NAMES, start=1) if full.startswith(name)), None)


def parse_month_day_year(text: str) -> date | None:
    """The header and teaser dates: ``March 01, 2026``, ``Mar 5, 2026``, or the pair.

    The site prints the long and the short form of one date side by side,
    glued (``March 01, 2026Mar 01, 2026``) or spaced; the first one read is
    the date. ``None`` when no real date is there (``February 30, 2026``).
    """
    match = _MONTH_DAY_YEAR.search(text)
    if not match:
        return None
    month = _month_number(match[1])
    return _real_date(int(match[3]), month, int(match[2])) if month else None


def parse_day_first(text: str) -> date | None:
    """The ``Date:`` line: always day first, so ``03/04/2025`` is 3 April."""
    match = _DAY_MONTH_YEAR.search(text)
    if not match:
        return None
    return _real_date(int(match[3]), int(match[2]), int(match[1]))


def posting_time(url: str) -> datetime | None:
    """When KCNA Watch posted the article: the epoch of ``/newstream/<epoch>-<id>/``, in Korea time.

    The page header's paired date is the day the page is viewed, not this;
    the URL's epoch is the one date the site keeps with the article.
    ``None`` when the URL has no epoch (or one no calendar holds, or one
    after today: see :func:`epoch_not_after_today`).
    """
    instant = url_epoch(url)
    return instant if instant is not None and not _after_today(instant) else None


def url_epoch(url: str) -> datetime | None:
    """The instant of the epoch in a /newstream/<epoch>-<id>/ URL, in Korea time, whatever its date."""
    match = ARTICLE_PATH.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime.fromtimestamp(int(match[1]), KOREA)
    except (OverflowError, OSError, ValueError):
        return None


def _after_today(instant: datetime) -> bool:
    """After the day of the run itself, in Korea time: no article is posted in the future."""
    return instant.date() > datetime.now(KOREA).date()


def epoch_not_after_today(url: str, loader_context: Mapping[str, Any]) -> str | None:
    """Input processor of ``posted``: the URL, unless its epoch is a day after today.

    Such an epoch (a typo, a test page, the year 3000) is no posting date but
    a date to check: it is left out, and reported as a problem
    (``vok/invalid_date/posted``), so that the record is written without it.
    """
    instant = url_epoch(url)
    if instant is None or not _after_today(instant):
        return url
    problems = loader_context.get("problems")
    if problems is not None:
        message = f"The URL epoch of {url} is {instant.date()}, after today: not taken as its posting date"
        problems.append(Problem(stats.invalid_date("posted"), message))
    return None


def posted_date(url: str) -> str | None:
    """The posting day, ISO ``YYYY-MM-DD`` in Korea time (input processor of ``posted``)."""
    instant = posting_time(url)
    return instant.date().isoformat() if instant else None


def posted_instant(url: str) -> str | None:
    """The posting instant, ISO 8601 with ``+09:00`` (input processor of ``posted_at``)."""
    instant = posting_time(url)
    return instant.isoformat() if instant else None


DateGap = Literal["back_catalogue", "published_after_posted"]
# Posted this many days or more after its published date, an article is of the back catalogue, imported later.
BACK_CATALOGUE_DAYS = 30
# No article of the site is dated before this: an earlier ``published`` (``Date: 14/03/0025``) is a
# typo on the page or a misreading, a date to check. The record keeps it (the page says so).
EARLIEST_PUBLISHED = date(1990, 1, 1)


def plausible_days() -> tuple[date, date]:
    """The days an article can bear: from :data:`EARLIEST_PUBLISHED` to today in Korea time; any other is to check."""
    return EARLIEST_PUBLISHED, datetime.now(KOREA).date()


def date_gap(published: str | None, posted: str | None) -> DateGap | None:
    """How a record's two dates stand apart, when it is worth a count.

    ``posted`` is the day KCNA Watch posted (or imported) the article,
    ``published`` the source's: for current articles the same day or the
    one before; for the back catalogue years apart (``back_catalogue``); a
    ``published`` after ``posted`` is a date to check. A ``published``
    before :data:`EARLIEST_PUBLISHED` is no import of the back catalogue but
    a date to check, counted where it is read (:class:`IsoDate`): ``None``.
    """
    if not published or not posted or date.fromisoformat(published) < EARLIEST_PUBLISHED:
        return None
    gap = (date.fromisoformat(posted) - date.fromisoformat(published)).days
    if gap > BACK_CATALOGUE_DAYS:
        return "back_catalogue"
    return "published_after_posted" if gap < 0 else None


class IsoDate:
    """Output processor: the first raw date, parsed, as ``YYYY-MM-DD`` or ``None``.

    A raw date that is there but does not parse is bad input: a problem
    naming the page goes to the loader context's ``problems`` (reported as
    ``vok/invalid_date/<what>``); the record keeps ``null`` and is still
    written. With ``too_early`` (a stats key), a date before
    :data:`EARLIEST_PUBLISHED` is kept but is a date to check: a problem
    counted under that key.
    """

    def __init__(self, parse: Callable[[str], date | None], what: str, too_early: str | None = None) -> None:
        self.parse = parse
        self.what = what
        self.too_early = too_early

    def __call__(self, values: Iterable[str], loader_context: Mapping[str, Any]) -> str | None:
        raw = next((value for value in values if value), None)
        if raw is None:
            return None
        parsed = self.parse(raw)
        problems = loader_context.get("problems")
        if parsed is None:
            if problems is not None:
                problem = f"Invalid {self.what} date {raw!r} on {loader_context.get('url')}"
                problems.append(Problem(stats.invalid_date(self.what), problem))
            return None
        if self.too_early is not None and parsed < EARLIEST_PUBLISHED and problems is not None:
            message = (
                f"The {self.what} date {raw!r} on {loader_context.get('url')} is before "
                f"{EARLIEST_PUBLISHED.year}: kept as the page gives it, a date to check"
            )
            problems.append(Problem(self.too_early, message))
        return parsed.isoformat()


def first_with_text(values: Iterable[str | None]) -> str | None:
    """The first value with any text, normalized: the copy to keep of a duplicated one."""
    return next((text for value in values if value and (text := normalize_space(value))), None)


TEASER_DATE = IsoDate(parse_month_day_year, "teaser")
# A teaser's call to subscribe, the words that may end it ("&hellip; Upgrade to NK PRO today"): at most three more.
_CALL_TO_SUBSCRIBE = re.compile(r"\s*\bupgrade\s+to\s+nk\s*pro\b(?:\s+[\w-]+){0,3}[\s!.»›→]*$", re.IGNORECASE)


def without_call_to_subscribe(text: str) -> str:
    """A teaser's text without the call to subscribe that may end it: the text ends with its ``…``.

    Some teasers end ``&hellip; <a href=".../pro/subscribe/...">Upgrade to NK
    PRO today</a>``: no part of the teaser, whatever element holds the words
    (the link itself is left out of every copy by the page,
    :class:`vok_crawler.site.pages.teasers.TeaserParts`). Taken off every copy, so that a
    teaser gives one text whichever shape its block has.
    """
    return _CALL_TO_SUBSCRIBE.sub("", text)


def to_teaser(raw: RawTeaser, loader_context: Mapping[str, Any]) -> Teaser:
    """One ``.article-desc`` block, of which the site prints title and teaser twice.

    ``raw`` holds the copies in order of preference (title: the ``h4`` link,
    then ``img[alt]``; teaser: ``p.excerpt``, ``div.hover-excerpt``, then the
    text that remains in the block); the first with text is kept, without the
    call to subscribe that may end it (:func:`without_call_to_subscribe`). A block
    whose teaser text no rule found is a problem (``vok/teasers/without_text``),
    so that a layout that hides it is seen, not a silent ``null``. A plain
    function rather than a loader per block: pages hold a dozen blocks each.
    """
    teaser = first_with_text(without_call_to_subscribe(text) for text in raw.teasers)
    problems = loader_context.get("problems")
    if teaser is None and problems is not None:
        where = f"{raw.url} on {loader_context.get('url')}"
        problems.append(Problem(stats.TEASERS_WITHOUT_TEXT, f"No teaser text in the block of {where}", logging.DEBUG))
    return Teaser(
        url=raw.url,
        title=first_with_text(raw.titles),
        date=TEASER_DATE([raw.date] if raw.date else [], loader_context),
        teaser=teaser,
    )


def is_date_text(text: str) -> bool:
    """Whether ``text`` is a date and nothing else (the paired form included): a teaser's date element."""
    return bool(_MONTH_DAY_YEAR.search(text)) and not normalize_space(_MONTH_DAY_YEAR.sub("", text)).strip(",|")


def unique_teasers(teasers: Iterable[Teaser], loader_context: Mapping[str, Any]) -> list[Teaser]:
    """Each linked article once, first block first, never the page itself.

    The site repeats teasers (pinned, overlapping slices); a teaser without
    a link cannot be told apart and is dropped. ``loader_context["self_urls"]``
    holds the spellings of the page's own URL.
    """
    seen = set(loader_context.get("self_urls", ()))
    kept = []
    for teaser in teasers:
        url = teaser.url
        if url and url not in seen:
            seen.add(url)
            kept.append(teaser)
    return kept
