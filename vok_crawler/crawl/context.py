"""What a crawl is, published once by its spider: the site, the source, the corpus's files, the road, the job.

The project's components (the memory, the pipelines, the health report, the
archive, the downloader middlewares) need to know which site is crawled and
by which names, which source the corpus keeps, where its files are, which
road the crawl takes and which Scrapyd job it is. Instead of asking the
spider for each by name (``getattr(spider, "start_url")``), they read one
frozen :class:`CrawlContext`, which the spider builds from its arguments and
the settings before any component is made (:meth:`CrawlContext.build`). A
spider opts in by what it declares: it is a :class:`ReadsTheSite` (the vok
spider, any subclass of it, ``scrapy probe``'s), and its class says whether
it keeps a corpus (``keeps_a_corpus``); no component looks at its name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Spider
from scrapy.settings import BaseSettings

from vok_crawler.crawl.config import host_aliases, web_archive
from vok_crawler.errors import BadConfiguration
from vok_crawler.site.archive_index import WebArchive
from vok_crawler.site.urls import Aliases, is_on_site, site_name
from vok_crawler.store.paths import CorpusFiles, source_name

if TYPE_CHECKING:
    from vok_crawler.crawl.roads.road import Road


@dataclass(frozen=True)
class RunOptions:
    """What the spider's arguments ask of the memory (``-a refresh``, ``since``, ``source_id``, ``revisit``)."""

    refresh: bool = False
    since: str | None = None
    source_id: str | None = None
    revisit: int | None = None
    fill: bool = False  # -a fill=archive: articles the live site refused are read from a web archive


@dataclass(frozen=True)
class CrawlContext:
    """One crawl of the site, as every component of it needs to know it.

    ``start_url``'s scheme and host are what "the site" means to every
    check; ``aliases`` are its other names (``VOK_HOST_ALIASES``) and
    ``site`` is the name ``%(site)s`` gives it, whichever of them the crawl
    started from. ``spider`` is the spider's name (Scrapyd's logs name a job's
    spider so). ``source`` is the source whose articles the corpus keeps;
    ``corpus`` the corpus and the files beside it (``None``: no corpus), and
    ``archive`` the folder of the crawl's own WARC files (``None``: none).
    ``keeps`` is false for a run that only looks at pages (``scrapy parse``,
    ``fetch``, the probe): no corpus, memory, health report or archive.
    ``web_archive`` is where the web archive the crawl reads is (``VOK_ARCHIVE_*``),
    for a road that reads one or a run that fills from one; else ``None``.
    """

    start_url: str
    aliases: Aliases
    site: str
    spider: str
    source: str
    corpus: CorpusFiles | None
    archive: Path | None
    road: Road
    options: RunOptions
    job: str | None
    keeps: bool
    web_archive: WebArchive | None = None

    @classmethod
    def build(
        cls,
        settings: BaseSettings,
        spider_name: str,
        start_url: str,
        source: str | None,
        road: Road,
        options: RunOptions,
        arguments: Mapping[str, Any],
        keeps: bool,
    ) -> CrawlContext:
        """The context of a crawl from its spider's arguments and the settings; :class:`BadConfiguration` if
        a value cannot be used (a source with no name, a ``VOK_CORPUS`` that cannot be filled in).

        ``source`` is ``-a source=``, else ``VOK_SOURCE``; the Scrapyd job is the argument ``_job`` Scrapyd
        passes, else the environment's ``SCRAPY_JOB`` (older Scrapyd, other schedulers).
        """
        aliases = host_aliases(settings)
        site = site_name(start_url, aliases)
        kept = (source if source is not None else settings.get("VOK_SOURCE")) or ""
        if not source_name(kept):
            raise BadConfiguration(f"source must name a source, as its articles' meta line does, not {kept!r}")
        corpus = corpus_path(settings.get("VOK_CORPUS"), site, kept.strip(), spider_name) if keeps else None
        files = CorpusFiles(corpus) if corpus is not None else None
        job = arguments.get("_job") or os.environ.get("SCRAPY_JOB")
        if options.fill and (road.reads_archive or not road.archived):
            raise BadConfiguration(
                f"fill=archive reads from a web archive what the live site refused; the {road.name} road asks nothing "
                "of the live site: give it on the listing or the search road"
            )
        return cls(
            start_url=start_url,
            aliases=aliases,
            site=site,
            spider=spider_name,
            source=kept.strip(),
            corpus=files,
            archive=archive_dir(settings.get("VOK_ARCHIVE"), files, kept.strip()) if keeps else None,
            road=road,
            options=options,
            job=str(job) if job else None,
            keeps=keeps,
            web_archive=web_archive(settings) if road.reads_archive or options.fill else None,
        )

    def on_site(self, url: str) -> bool:
        """Whether ``url`` is a page of the crawled site: the one rule for links, redirects and cookies."""
        return is_on_site(url, self.start_url, self.aliases)


class ReadsTheSite(Spider):
    """A spider that reads the site as the crawl does, and publishes its :class:`CrawlContext`.

    The downloader middlewares (retries, charset, the gate's redirect, the
    subscriber's cookies, refusals) serve every such spider; the corpus, the
    memory, the pipelines, the health report and the archive serve those
    that keep a corpus (``keeps_a_corpus``: the vok spider and its
    subclasses, not the probe's).
    """

    keeps_a_corpus: ClassVar[bool] = True
    crawl_context: CrawlContext


def corpus_path(template: str | None, site: str, source: str, name: str) -> Path | None:
    """``VOK_CORPUS`` filled in: like a ``FEEDS`` URI, it may name ``%(site)s`` (host and port), ``%(source)s``
    (the source's name in a file name: :func:`~vok_crawler.store.paths.source_name`) or ``%(name)s`` (the spider's)."""
    if not template:
        return None
    try:
        return Path(template % {"site": site, "source": source_name(source), "name": name})
    except (KeyError, ValueError, TypeError) as error:
        raise BadConfiguration(
            f"setting VOK_CORPUS {template!r} cannot be filled in ({error}): it may name %(site)s, %(source)s "
            "and %(name)s"
        ) from None


def archive_dir(setting: str | None, files: CorpusFiles | None, source: str) -> Path | None:
    """Where the crawl archives: ``VOK_ARCHIVE``; unset, the source's archive beside the corpus; empty, nowhere."""
    if setting is None:
        return files.archive_of(source) if files is not None else None
    return Path(setting) if setting else None
