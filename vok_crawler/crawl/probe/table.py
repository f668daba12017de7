"""The probe's report: one section per question, then the verdict; every secret scrubbed out."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from vok_crawler.crawl.probe.model import KINDS, PageSeen, Probe
from vok_crawler.items import Article, Teaser
from vok_crawler.site.pages.article import ArticlePage
from vok_crawler.site.pages.fields import FETCH_FIELDS, Finding
from vok_crawler.store.secrets import Scrubber
from vok_crawler.wording import counted

# The record's fields in its order, as the article page declares them (crawled_at and capture are the fetch's, no
# rule's: a capture read with --archive is given with its page).
RECORD_FIELDS = [name for name in ArticlePage.record_fields() if name not in FETCH_FIELDS]
ROUTES = {
    "href": "a link to the next slice",
    "data": "data-id on a script-driven control (no link)",
    "script": "the id of a slice URL in a link or inline script",
    "none": "none found",
}
WIDTH = 72
HOST_KINDS = ("the crawl's", "alias", "another host", "other")  # the order of the hosts' lines
LABEL = 16  # the width of the label column


def table(probe: Probe, secrets: Iterable[str] = ()) -> str:
    """The report: pages, teasers, route, hosts, search, gate, every field, and the verdict."""
    lines = [f"Probe of {probe.start_url}", *([probe.manner] if probe.manner else [])]
    if probe.archive:
        lines.append(_line("read from", f"the archive at {probe.archive}: each page's newest whole capture"))
    lines.append("")
    lines += _pages(probe)
    lines += _source(probe)
    lines += _teasers_section(probe)
    lines += _pagination(probe)
    lines += _hosts(probe)
    lines += _search(probe)
    lines += _article(probe.pages.get("article"))
    lines += ["", *probe.notes] if probe.notes else []
    if probe.saved:
        lines.append(
            f"saved {len(probe.saved)} files in {probe.saved[0].parent}"
            + (f" ({probe.removed} cookie values removed)" if probe.removed else "")
        )
    lines += ["", f"verdict: {probe.verdict()}"]
    return Scrubber(secrets).text("\n".join(lines))


def _line(label: str, text: str) -> str:
    return f"{label:<{LABEL}}{text}"


def _pages(probe: Probe) -> list[str]:
    lines = []
    for kind in KINDS:
        seen = probe.pages.get(kind)
        if seen is not None:
            status = seen.status if seen.status is not None else ("3xx" if seen.gate else "-")
            lines.append(f"{kind:<9}{status!s:<5}{seen.url}" + (f"  ({seen.error})" if seen.error else ""))
            lines += _captured(probe, seen)
    return [*lines, ""]


def _captured(probe: Probe, seen: PageSeen) -> list[str]:
    """With ``--archive``: the capture read as the page (when, and the URL captured), or that there is none."""
    if seen.uncaptured:
        return [f"{'':<14}no capture of it in the archive at {probe.archive}"]
    if seen.capture is None:
        return []
    return [f"{'':<14}captured {seen.capture.timestamp} ({seen.capture.captured_at}) as {seen.capture.url}"]


def _source(probe: Probe) -> list[str]:
    """The source the listing shows (its heading), and whether it is the crawl's."""
    if "listing" not in probe.pages or probe.pages["listing"].error:
        return []
    shown = probe.source_shown
    if shown is None:
        return [_line("listing shows", f"no source (no heading); the crawl keeps {probe.source}")]
    if shown == probe.source:
        return [_line("listing shows", f"{shown} (its heading): the crawl's source")]
    return [_line("listing shows", f"{shown} (its heading): not the crawl's source, {probe.source}")]


def _teasers_section(probe: Probe) -> list[str]:
    lines = []
    for kind in ("listing", "slice"):
        seen = probe.pages.get(kind)
        if seen is not None and not seen.error and not seen.uncaptured:  # a page never read shows no teaser count
            lines.append(_line(f"{kind} teasers", _teasers(seen.teasers)))
            lines += _without_text(seen)
    return lines


def _without_text(seen: PageSeen) -> list[str]:
    """The teasers whose text no rule found, named (``null`` in the record, counted by the crawl)."""
    urls = seen.without_text
    if not urls:
        return [_line("", "teaser text found in every block")]
    return [_line("", f"teaser text NOT found in {len(urls)}: {', '.join(urls[:3])}{' …' if len(urls) > 3 else ''}")]


def _pagination(probe: Probe) -> list[str]:
    listing = probe.pages.get("listing")
    if listing is None or listing.control is None:
        return []
    control, walk = listing.control, listing.walk
    lines = [
        _line("pagination", f"route {control.route}: {ROUTES.get(control.route, control.route)}"),
        _line("", f"source id {walk.get('source_id') or '?'}, slice size {walk.get('slice_size') or '?'}"),
    ]
    for href in listing.control_hrefs:
        itself = " (the page itself: no href)" if href == listing.url else ""
        lines.append(_line("", f"control href {href}{itself}"))
    lines.append(_line("next slice", listing.next_slice or "none: the crawl could not build it"))
    next_slice = probe.pages.get("slice")
    if next_slice is not None and next_slice.walk:
        lines.append(_line("", f"'to' read as: {next_slice.walk.get('to_reading')}"))
    return lines


def _hosts(probe: Probe) -> list[str]:
    """The host names the pages' links named: the crawl's, a known alias (VOK_HOST_ALIASES), another host
    (article links on it, which a crawl does not follow: named with the setting that takes them), or other."""
    rows = sorted(
        ((_host_kind(probe, host, kind), host, count) for (host, kind), count in probe.hosts.items()),
        key=lambda row: (HOST_KINDS.index(row[0]), -row[2]),
    )
    return [
        _line("hosts" if n == 0 else "", f"{host} ({kind}, {counted(count, 'link')}{_not_followed(probe, host)})")
        for n, (kind, host, count) in enumerate(rows)
    ]


def _host_kind(probe: Probe, host: str, kind: str) -> str:
    """``another host`` where the crawl counted article links (a host none of the site's names), else ``kind``."""
    return "another host" if host in probe.elsewhere.by_host else kind


def _not_followed(probe: Probe, host: str) -> str:
    articles = probe.elsewhere.by_host.get(host)
    if not articles:
        return ""
    return f": {counted(articles, 'article link')} a crawl does not follow; -s {probe.elsewhere.setting} takes them"


def _search(probe: Probe) -> list[str]:
    seen = probe.pages.get("search")
    if seen is None:
        return []
    article = probe.pages.get("article")
    record_url = article.record.url if article is not None and article.record is not None else None
    found = record_url in {teaser.url for teaser in seen.teasers}
    lines = [_line("search", f"{probe.search_day}: {_teasers(seen.teasers)}")]
    if not seen.error:
        lines.append(_line("", f"the article is {'among them' if found else 'NOT among them'}"))
    if seen.full:
        lines.append(_line("", "a full page (a.more-full-link): the day may hold more than it shows"))
    return lines


def _article(article: PageSeen | None) -> list[str]:
    if article is None:
        return []
    lines = [_line("gate", f"GATED by {article.gate}" if article.gate else "none")]
    if not article.findings:
        return lines
    if not article.is_article:
        lines.append(
            _line("", "no h1.article-title, div.article-content or p.article-meta: the crawl takes it for no article")
        )
    width = max(len(f.rule or "") for f in article.findings.values()) + 2
    lines += ["", f"{'field':<12}{'':<10}{'rule':<{width}}value"]
    for name in RECORD_FIELDS:
        finding = article.findings.get(ArticlePage.finding_for(name), Finding(None))
        found = "MISSING" if finding.rule is None else ("fallback" if finding.fallback else "found")
        value = _value(name, article.record) if finding.rule else ""
        lines.append(f"{name:<12}{found:<10}{finding.rule or '-':<{width}}{value}".rstrip())
    return lines


def _teasers(teasers: list[Teaser]) -> str:
    if not teasers:
        return "0"
    first = teasers[0]
    return f"{len(teasers)}; first: {_short(first.title or '?', 48)!r} ({first.date or 'no date'})"


def _value(name: str, record: Article | None) -> str:
    value = getattr(record, name, None) if record is not None else None
    if name == "related":
        return _teasers(value or [])
    if name == "body" and value:
        return f"{len(value.split(chr(10) + chr(10)))} paragraphs, {len(value)} chars: {_short(value, WIDTH - 45)!r}"
    if value is None:
        return "null (found, but not a valid value)"
    return str(value) if name in ("url", "source_url") else _short(str(value), WIDTH)


def _short(text: str, width: int) -> str:
    return textwrap.shorten(" ".join(text.split()), width=max(width, 12), placeholder=" …")
