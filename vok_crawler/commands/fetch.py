"""``scrapy fetch``, as in any Scrapy project: with ``--spider=vok`` it keeps nothing.

See :mod:`vok_crawler.commands.parse`: a page fetched to be looked at
leaves no corpus, lock, state, health report or archive behind.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.commands.fetch import Command as ScrapyFetchCommand

from vok_crawler.crawl.scope import LOOK_ONLY


class Command(ScrapyFetchCommand):
    default_settings: ClassVar[dict[str, Any]] = {**ScrapyFetchCommand.default_settings, LOOK_ONLY: True}
