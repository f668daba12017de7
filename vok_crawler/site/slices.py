"""The "More Articles" slices: the way to the whole archive of a source.

A listing (or an article's "More From" block) shows the latest dozen
teasers; the rest of the source comes in slices from WordPress's
``admin-ajax.php?action=get_cat_by_source&die=true&from=F&to=T&sort=&id=K``.
The site's control for the next slice is a link, a script-driven button that
carries ``data-from``/``data-to``/``data-id``, or nothing at all (a bare
slice). Where there is no link, or one that loops back or jumps ahead, the next
slice URL is built here; the walk is at its end only when a slice asked at
the offset after the last teaser comes back empty (:class:`SliceWalk`).

What ``to`` means to the server is not known (a count, as public scrapers
use it, or an end index). Asking ``to = from + size`` works under both; a
slice that returns more teasers than ``to - from`` shows that ``to`` is a
count, after which ``to = size`` keeps slices at the site's own size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from vok_crawler.site.urls import canonical_url

SLICE_PATH = "/wp-admin/admin-ajax.php"
SLICE_ACTION = "get_cat_by_source"
# A size read off a page outside this range is taken for a misreading.
SIZE_RANGE = range(1, 201)
# Slices in a row holding only teasers seen before, after which the site is taken as not paging.
REPEATS_NOT_PAGING = 2

Reading = Literal["unknown", "count", "end"]
SliceEnd = Literal["empty", "not found"]  # how a slice with no teaser answered: an empty answer, or 404/410


@dataclass(frozen=True)
class Control:
    """What a page says about the slice after it.

    ``route`` names how the way on was found: ``href`` (a link to follow),
    ``data`` (``data-id`` on a script-driven control), ``script`` (the id in
    a slice URL of an inline script or another link), or ``none``.
    """

    href: str | None = None
    source_id: str | None = None
    start: int | None = None  # data-from
    size: int | None = None  # data-to, read as the slice size
    route: str = "none"


@dataclass(frozen=True)
class Slice:
    """One slice request: the source's id, the offset of its first teaser, and ``to``."""

    source_id: str
    start: int
    to: int

    def url(self, origin: str) -> str:
        """The slice URL on the crawl's own site, canonical like every other link."""
        query = urlencode(
            [
                ("action", SLICE_ACTION),
                ("die", "true"),
                ("from", self.start),
                ("to", self.to),
                ("sort", ""),
                ("id", self.source_id),
            ]
        )
        url = canonical_url(f"{SLICE_PATH}?{query}", origin, origin)
        assert url is not None  # a path on the origin is always a web link
        return url


def parse_slice(url: str) -> Slice | None:
    """The slice a URL asks for; ``None`` if it is no ``get_cat_by_source`` URL with numbers."""
    query = parse_qs(urlsplit(url).query)
    if query.get("action") != [SLICE_ACTION]:
        return None
    try:
        return Slice(query["id"][0], int(query["from"][0]), int(query.get("to", ["0"])[0]))
    except (KeyError, ValueError):
        return None


def slice_size(start: int | None, to: int | None) -> int | None:
    """The page size a control's ``data-from``/``data-to`` imply, under either reading of ``to``."""
    if to is None:
        return None
    size = to - start if start is not None and to > start else to
    return size if size in SIZE_RANGE else None


@dataclass(frozen=True)
class NextSlice:
    """The slice to ask after a page: its offset, the slice (``None`` without an id or a size),
    the page's own link to it when that is followed, and the offset the page offered when it was
    not taken (a link back, to itself, or past the next offset)."""

    start: int
    target: Slice | None
    href: str | None = None
    refused: int | None = None


class SliceWalk:
    """Builds the next slice URL from what the pages and the server have shown, and knows where the walk ended.

    ``source_id`` and ``size`` come from the user, the crawl state or the
    first page that shows them (the user's word first, then the page, then
    what was remembered); ``reading`` is what ``to`` means to the server.
    Each offset is asked for once per crawl, whatever ``to`` it was asked
    with.

    The walk reaches the end of the list only when a slice asked at the
    next offset (the previous ``from`` plus the teasers it held, the
    :attr:`frontier`) comes back empty, or answers 404 or 410. A link that loops back or jumps
    past the frontier is not followed: the next slice is built at the
    computed offset instead (:meth:`next_start`). A slice whose teasers
    were all seen already in this run (a server that ignores ``from``) is
    a repeat; two in a row, the second built at the computed offset, show
    that the site does not page (:attr:`not_paging`).
    """

    def __init__(
        self,
        source_id: str | None = None,
        size: int | None = None,
        reading: Reading = "unknown",
        given_id: bool = False,
        whole: bool = True,
    ) -> None:
        self.whole = whole  # walk the whole listing (else only until a slice holds nothing new)
        self.source_id = source_id
        self.size = size
        self.reading: Reading = reading
        self.given_id = given_id  # the user's -a source_id is never replaced by a page's
        self.asked: set[int] = set()
        self.slices_with_teasers = 0
        self.frontier = 0  # the offset after the deepest teaser any page of the walk held
        self.seen: set[str] = set()  # the teasers' URLs the walk's pages held in this run
        self.repeats_in_a_row = 0
        self.reached_end = False
        self.stopped = False  # by choice: nothing new on it, or older than ``since``
        self.failed_pages: list[str] = []  # listing pages and slices that could not be read
        self.stuck_because: str | None = None

    def learn(self, control: Control, teasers_on_page: int) -> None:
        """Take the id and size a page shows (the page is newer than any memory)."""
        if control.source_id and not self.given_id:
            self.source_id = control.source_id
        self.size = control.size or self.size or (teasers_on_page if teasers_on_page in SIZE_RANGE else None)

    def observe(self, asked: Slice | None, teasers: Sequence[str | None]) -> bool:
        """A page of the walk held teasers with these URLs (``asked``: the slice it was); whether it was a repeat.

        Every block counts for the offset, a link-less one too. A slice that
        holds more teasers than ``to - from`` shows ``to`` is a count.
        """
        held = len(teasers)
        urls = {url for url in teasers if url}
        start = asked.start if asked is not None else 0
        repeat = asked is not None and bool(urls) and urls <= self.seen
        self.seen |= urls
        self.frontier = max(self.frontier, start + held)
        self.repeats_in_a_row = self.repeats_in_a_row + 1 if repeat else 0
        if asked is not None and held and not repeat:
            self.slices_with_teasers += 1
        if asked is not None and self.reading == "unknown" and held > max(0, asked.to - asked.start):
            self.reading = "count"
        return repeat

    @property
    def not_paging(self) -> bool:
        """Two slices in a row held only teasers seen before: the server does not page by ``from``."""
        return self.repeats_in_a_row >= REPEATS_NOT_PAGING

    def next_start(self, asked: Slice | None, held: int, offered: int | None) -> int:
        """The offset of the next slice: the page's own (a link's or ``data-from``) if it goes on, else computed.

        A page's offset goes on when it lies after this page's ``from`` and
        no further than the computed one (``from`` plus the teasers held): an
        overlap costs a few duplicates, a gap loses articles.
        """
        start = asked.start if asked is not None else 0
        computed = start + held
        return offered if offered is not None and start < offered <= computed else computed

    def after(self, asked: Slice | None, held: int, control: Control) -> NextSlice:
        """The slice after a page that held ``held`` teasers: the control's link or offset if it goes on, else built."""
        self.learn(control, held)
        linked = parse_slice(control.href) if control.href else None  # a control's href is a slice URL
        offered = linked.start if linked is not None else control.start
        start = self.next_start(asked, held, offered)
        if linked is not None and linked.start == start:
            return NextSlice(start, linked, control.href)
        return NextSlice(start, self.slice_at(start), refused=offered if offered != start else None)

    def take(self, target: Slice | None, origin: str, href: str | None = None) -> str | None:
        """The URL to ask for ``target`` (the page's link, else built on ``origin``), unless its offset was asked already."""
        if target is None or not self.claim(target.start):
            return None
        return href or target.url(origin)

    def ended(self, asked: Slice, answer: SliceEnd = "empty") -> bool:
        """A slice came back empty, or answered "not found" (404, 410): whether the list ends there.

        It does when the slice was asked at the frontier (or beyond); a slice
        not found, only once a page of the walk held teasers (the anatomy
        allows a server to answer so past the end; before any teaser it says
        nothing of the end: a failure). Once the end is reached, an empty
        slice short of the frontier asks for nothing more.
        """
        if asked.start >= self.frontier and (answer == "empty" or self.frontier):
            self.reached_end = True
            return True
        return answer == "empty" and self.reached_end

    def failed(self, url: str = "") -> None:
        """A listing page or slice could not be read: the walk is not complete."""
        self.failed_pages.append(url)

    def stuck(self, why: str) -> None:
        """A whole walk could not get past a first page (a listing's, or an article's "More From")."""
        self.stuck_because = self.stuck_because or why

    @property
    def pagination_stuck(self) -> str | None:
        """Why the walk never got past its first page, if it did not: no slice ever held a teaser.

        Judged at the end, not when a page shows no way on: an article's
        "More From" control may show the way the listing did not.
        """
        return self.stuck_because if not self.slices_with_teasers else None

    @property
    def unfinished(self) -> str | None:
        """Why the walk did not reach the end of the list, if it had to and did not.

        Reaching the end means a slice asked at the offset after the last
        teaser came back empty, or "not found"; a run that stopped on purpose (nothing new,
        older than ``since``) need not.
        """
        if self.failed_pages:
            first = self.failed_pages[0] or "a listing page"
            more = f" and {len(self.failed_pages) - 1} more" if len(self.failed_pages) > 1 else ""
            return f"{first}{more} could not be read: the articles past it were not reached"
        if self.whole and self.asked and not (self.reached_end or self.stopped):
            return f"no slice at offset {self.frontier}, after the last teaser seen, came back empty"
        return None

    def claim(self, start: int) -> bool:
        """Whether the slice at ``start`` is still to be asked for (and now it is)."""
        if start in self.asked:
            return False
        self.asked.add(start)
        return True

    def slice_at(self, start: int) -> Slice | None:
        """The slice to ask for at ``start``; ``None`` without an id or a size."""
        if not self.source_id or not self.size:
            return None
        to = self.size if self.reading == "count" else start + self.size
        return Slice(self.source_id, start, to)

    def remembered(self) -> dict[str, object]:
        """What the crawl state keeps of the walk for the next run."""
        return {"source_id": self.source_id, "slice_size": self.size, "to_reading": self.reading}
