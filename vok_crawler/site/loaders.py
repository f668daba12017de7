"""Item loaders: which processor normalizes which field.

Page parsing (:mod:`vok_crawler.site.pages`) adds raw values; the loader turns
them into the record's values. Raw text arrives with its breaks marked
(:mod:`vok_crawler.site.text`), so one processor serves every one-line field;
the "More From" teaser blocks arrive with all their copies, and
:func:`~vok_crawler.site.processors.to_teaser` keeps one of each.
"""

from __future__ import annotations

from itemloaders import ItemLoader
from itemloaders.processors import Compose, Identity, Join, MapCompose, TakeFirst

from vok_crawler import stats
from vok_crawler.items import Article
from vok_crawler.site.processors import (
    IsoDate,
    epoch_not_after_today,
    normalize_space,
    paragraphs,
    parse_day_first,
    posted_date,
    posted_instant,
    to_teaser,
    unique_teasers,
)


class ArticleLoader(ItemLoader):
    """One article page. Context: ``url`` (for problems), ``problems`` (a list), ``self_urls``.

    ``posted`` and ``posted_at`` are given the article's URL: the posting
    time is the epoch in it, not any date printed on the page.
    """

    default_item_class = Article
    default_input_processor = MapCompose(normalize_space)
    default_output_processor = TakeFirst()
    url_in = Identity()
    source_url_in = Identity()
    published_out = IsoDate(parse_day_first, "published", too_early=stats.RECORDS_PUBLISHED_BEFORE_1990)
    posted_in = MapCompose(epoch_not_after_today, posted_date)
    posted_at_in = MapCompose(posted_instant)
    body_in = MapCompose(paragraphs)
    body_out = Join("\n\n")
    related_in = MapCompose(to_teaser)
    related_out = Compose(unique_teasers)
