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


class Sibling:
    """A file beside the corpus, named by what follows the corpus's stem (``.state.json`` for ``vok.state.json``)."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def __get__(self, files: CorpusFiles, owner: type[CorpusFiles]) -> Path:
        return files.corpus.with_name(f"{files.corpus.stem}{self.suffix}")


@dataclass(frozen=True)
class CorpusFiles:
    """The files beside the corpus ``corpus`` (see the module), each named here alone."""

    corpus: Path
    lock = Sibling(".lock")
    index = Sibling(".index")
    state = Sibling(".state.json")
    health = Sibling(".health.json")  # the last run's health report
    health_history = Sibling(".health.jsonl")  # every run's, a line each (scrapy report reads it)
    changes = Sibling(".changes.jsonl")
    report = Sibling(".report.html")  # scrapy report's page, unless -o names another

    @property
    def archive(self) -> Path:
        """The folder of the WARC archive, unless ``VOK_ARCHIVE`` names another (or none)."""
        return self.corpus.parent / "archive"
