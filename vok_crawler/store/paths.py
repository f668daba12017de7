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
- ``archive/``: the WARC files of the responses read (``VOK_ARCHIVE`` unset),
  named after the source (:meth:`CorpusFiles.archive_of`).

A source's corpus is named after it too (``VOK_CORPUS``'s ``%(source)s``):
:func:`source_name` is the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The sources whose files keep a name of their own: the corpora this project began with (Voice of Korea's,
# ``vok.jsonl`` and ``archive/``) go on under the names they have.
SHORT_NAMES = {"Voice of Korea (EN)": "vok"}
FIRST_SOURCE = "vok"  # its archive is ``archive/``; every other source's is ``<name>.archive/``
_NOT_IN_A_NAME = re.compile(r"[\W_]+")


def source_name(source: str) -> str:
    """The name a source's files take: ``vok`` for Voice of Korea (EN), else the source's own name in lower
    case, each run of characters that are neither letters nor digits one hyphen (``Rodong Sinmun (EN)`` is
    ``rodong-sinmun-en``, ``KCNA (EN)`` ``kcna-en``); empty for a name of no letter or digit.

    The language tag stays: a source's English and Korean editions are two corpora.
    """
    short = SHORT_NAMES.get(source.strip())
    return short or _NOT_IN_A_NAME.sub("-", source.casefold()).strip("-")


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

    def archive_of(self, source: str) -> Path:
        """The folder of the WARC archive of ``source``'s pages, unless ``VOK_ARCHIVE`` names another (or none):
        ``archive/`` for Voice of Korea's (as ever), ``<name>.archive/`` for another source's (:func:`source_name`)."""
        name = source_name(source)
        return self.corpus.parent / ("archive" if name == FIRST_SOURCE else f"{name}.archive")
