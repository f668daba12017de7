"""Every file beside a corpus, named once: ask :class:`CorpusFiles`, never spell a sibling's name.

A corpus ``DIR/vok.jsonl`` keeps its siblings under its own stem, so that
two corpora in one folder (``vok.jsonl``, ``rodong.jsonl``) never share one:

- ``vok.lock``: the lock of the crawl writing it (one at a time);
- ``vok.index``: the index of its URLs, read at a start instead of the corpus;
- ``vok.state.json``: what the last run left (the walk, what to ask again);
- ``vok.health.json``: the last run's health report, ``vok.health.jsonl``:
  every run's, one line each;
- ``vok.changes.jsonl``: revisions and withdrawals (``-a revisit=DAYS``);
- ``vok.report.html``: ``scrapy report``'s page, its figures beside it as ``.json``;
- ``archive/``: the WARC files of the responses read (``VOK_ARCHIVE`` unset).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CorpusFiles:
    """The files beside the corpus ``corpus`` (see the module): each a property, named here alone."""

    corpus: Path

    def _sibling(self, suffix: str) -> Path:
        return self.corpus.with_name(f"{self.corpus.stem}{suffix}")

    @property
    def lock(self) -> Path:
        return self._sibling(".lock")

    @property
    def index(self) -> Path:
        return self._sibling(".index")

    @property
    def state(self) -> Path:
        return self._sibling(".state.json")

    @property
    def health(self) -> Path:
        """The last run's health report."""
        return self._sibling(".health.json")

    @property
    def health_history(self) -> Path:
        """Every run's health report, a line each (``scrapy report`` reads it)."""
        return self._sibling(".health.jsonl")

    @property
    def changes(self) -> Path:
        return self._sibling(".changes.jsonl")

    @property
    def report(self) -> Path:
        """``scrapy report``'s page, unless ``-o`` names another."""
        return self._sibling(".report.html")

    @property
    def archive(self) -> Path:
        """The folder of the WARC archive, unless ``VOK_ARCHIVE`` names another (or none)."""
        return self.corpus.parent / "archive"
