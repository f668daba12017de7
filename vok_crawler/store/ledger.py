"""What became of each article: the ledger the spider tells, one call per outcome.

An article asked for is in flight until the spider tells its outcome:
``read`` (its record written, or left out for a reason of its own),
``failed`` (asked for again next run: a passing error, a refusal, a page not
understood), ``gated`` (asked for again with a subscriber's cookies),
``skipped`` (another source, not HTML) or ``gone`` (404 or 410): never asked
for again. What was still in flight when the run stopped is pending too.
An article linked on a host name that is not the site's is ``elsewhere``:
not asked for, but remembered, so that a run that takes that name for the
site's (``VOK_HOST_ALIASES``) asks for it without walking the listing again.
The crawl state keeps the ledger between runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Literal

Outcome = Literal["read", "failed", "gated", "skipped", "gone", "elsewhere"]


class Ledger:
    """The articles of the crawl, by what became of them.

    ``corpus`` is the set of URLs the corpus holds (the store's own, kept up
    to date as records are written); ``refresh`` forgets every outcome of
    past runs; ``retry_gated`` (a run with a subscriber's session: cookies or
    a browser profile) asks again for gated articles.
    """

    def __init__(
        self,
        corpus: AbstractSet[str],
        pending: Iterable[str] = (),
        gated: Iterable[str] = (),
        skipped: Iterable[str] = (),
        elsewhere: Iterable[str] = (),
        refresh: bool = False,
        retry_gated: bool = False,
    ) -> None:
        self.corpus = corpus
        self.pending: set[str] = set(pending)
        self.gated: set[str] = set(gated)
        self.skipped: set[str] = set(skipped)
        self.elsewhere: set[str] = set(elsewhere)  # articles linked on a host name that is not the site's
        self.refresh = refresh
        self.retry_gated = refresh or retry_gated
        self.requested: set[str] = set()  # every URL asked for in this run, in its canonical spelling
        self.in_flight: set[str] = set()  # articles asked for and not yet told

    def is_known(self, url: str) -> bool:
        """In the corpus, gone for good, or gated with no way through: not worth a request."""
        if self.refresh:
            return False
        return url in self.corpus or url in self.skipped or (url in self.gated and not self.retry_gated)

    def to_ask_again(self) -> list[str]:
        """Articles a past run could not read and this one should: failed, gated when it can pass, and those
        linked elsewhere (asked for if their host is the site's now, else met, and counted, again)."""
        again = self.pending | self.elsewhere | (self.gated if self.retry_gated else set())
        return sorted(again - self.corpus - self.skipped)

    def first_request(self, url: str) -> bool:
        """Whether ``url`` is asked for the first time in this run (and now it is)."""
        if url in self.requested:
            return False
        self.requested.add(url)
        return True

    def asked(self, url: str) -> None:
        """An article was asked for: pending until its outcome is told."""
        self.in_flight.add(url)

    def tell(self, url: str, outcome: Outcome, *also: str) -> None:
        """What became of the article at ``url`` (and of ``also``, its other spellings: its canonical URL)."""
        for each in (url, *also):
            self.in_flight.discard(each)
            self.pending.discard(each)
            self.gated.discard(each)
            self.elsewhere.discard(each)
            self.skipped.discard(each)  # gone from the site, and read after all (from a web archive)
        if outcome == "failed":
            self.pending.add(url)
        elif outcome == "gated":
            self.gated.add(url)
        elif outcome in ("skipped", "gone"):
            self.skipped.add(url)
        elif outcome == "elsewhere":
            self.elsewhere.add(url)

    def left_over(self) -> tuple[list[str], list[str]]:
        """What the next run asks for again: the pending articles (those in flight too), and the gated ones."""
        pending = self.pending | self.in_flight
        return sorted(pending - self.corpus - self.skipped), sorted(self.gated - self.corpus - pending)

    def remembered(self) -> dict[str, list[str]]:
        """What the crawl state keeps of the ledger for the next run."""
        pending, gated = self.left_over()
        elsewhere = sorted(self.elsewhere - self.corpus - self.skipped)
        return {"pending": pending, "gated": gated, "skipped": sorted(self.skipped), "elsewhere": elsewhere}
