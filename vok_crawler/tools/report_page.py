"""The report as one HTML page that opens from disk with no network.

Everything is inline: the style in a ``<style>`` element, the charts as SVG
drawn by matplotlib (its SVG backend, text as paths, so no font is fetched
either), no script at all. matplotlib comes with the ``explore`` extra; it
is imported here only (by ``scrapy report`` when it runs), so the crawler
itself never needs it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vok_crawler.site.processors import BACK_CATALOGUE_DAYS, EARLIEST_PUBLISHED
from vok_crawler.tools.coverage import days_between
from vok_crawler.tools.figures import LISTED, DateCheck, Figures, Gap, Listed

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.8em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.muted { color: #777; }
"""
HALF_DAY = timedelta(hours=12)  # a day's band is centred on its date, as its step is
POSTED, PUBLISHED, BACK, EMPTY = "#1f77b4", "#ff7f0e", "#7f7f7f", "#d62728"
CHECKS: dict[DateCheck, str] = {
    "published_after_posted": "published after it was posted",
    "published_out_of_range": f"published before {EARLIEST_PUBLISHED.year} or after today",
    "posted_out_of_range": f"posted before {EARLIEST_PUBLISHED.year} or after today",
}


def svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no date, no external reference)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def new_figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(11, height), layout="constrained")
    return figure, figure.subplots()


def counts_axis(axes: Axes, label: str, peak: int) -> None:
    """A count's axis: from 0, whole numbers only, a legend and a light grid."""
    axes.set_ylim(0, max(peak, 1) * 1.1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(label)
    axes.legend(loc="upper left")
    axes.grid(axis="y", alpha=0.3)


def chart_days(figures: Figures) -> list[date]:
    """The days the charts of the current stream span: its first published day to its last, or the last posted."""
    stream = figures.current_stream
    if not stream.first or not stream.last:
        return []
    last = max(stream.last, figures.last_posted or stream.last)
    return list(days_between(date.fromisoformat(stream.first), date.fromisoformat(last)))


def daily_chart(figures: Figures, days: list[date]) -> Figure:
    """Articles per day of the current stream by ``published`` and by ``posted``; the days without one shaded."""
    figure, axes = new_figure(3.6)
    peak = 0
    for counts, color, label in (
        (figures.published_by_day, PUBLISHED, "published"),
        (figures.posted_by_day, POSTED, "posted"),
    ):
        values = [counts.get(when.isoformat(), 0) for when in days]
        peak = max(peak, *values)
        axes.plot(days, values, drawstyle="steps-mid", color=color, linewidth=0.8, label=label)  # type: ignore[arg-type]
    if figures.gaps:  # one shaded band per gap, the chart's full height (a collection: one element, many gaps)
        bands = [(datetime.fromisoformat(gap.first) - HALF_DAY, timedelta(days=gap.days)) for gap in figures.gaps]
        axes.broken_barh(
            bands,  # type: ignore[arg-type]
            (0, 1),
            transform=axes.get_xaxis_transform(),
            color=EMPTY,
            alpha=0.15,
            label="no article published",
        )
    axes.set_xlim(days[0] - timedelta(days=1), days[-1] + timedelta(days=1))  # type: ignore[arg-type]
    counts_axis(axes, "articles a day", peak)
    return figure


def month_starts(days: list[date]) -> list[date]:
    """The first day of every month the days touch, in order, none left out."""
    return sorted({when.replace(day=1) for when in days})


def monthly_chart(figures: Figures, days: list[date]) -> Figure:
    """Articles per month of the current stream on a time axis, by ``published`` and ``posted``; empty months at 0."""
    figure, axes = new_figure(3.2)
    months = month_starts(days)
    peak = 0
    for counts, color, label, shift in (
        (figures.by_month_published, PUBLISHED, "published", -7),
        (figures.by_month, POSTED, "posted", 7),
    ):
        values = [counts.get(month.strftime("%Y-%m"), 0) for month in months]
        peak = max(peak, *values)
        places = [month + timedelta(days=15 + shift) for month in months]
        axes.bar(places, values, width=13, color=color, label=label)  # type: ignore[arg-type]
    counts_axis(axes, "articles a month", peak)
    return figure


def yearly_chart(figures: Figures) -> Figure:
    """Articles per year published: the current stream and, stacked on it, the back catalogue."""
    figure, axes = new_figure(3.0)
    years = [int(year) for year in figures.by_year]
    current = [counts["current_stream"] for counts in figures.by_year.values()]
    back = [counts["back_catalogue"] for counts in figures.by_year.values()]
    axes.bar(years, current, color=PUBLISHED, label="current stream")
    axes.bar(years, back, bottom=current, color=BACK, label="back catalogue")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    counts_axis(axes, "articles a year", max(c + b for c, b in zip(current, back, strict=True)))
    return figure


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table; numbers right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = (
        "".join("<tr>" + "".join(cell(value) for value in row) + "</tr>" for row in rows)
        or f'<tr><td class="muted" colspan="{len(header)}">none</td></tr>'
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value: Any) -> str:
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{escape(str(value if value is not None else '—'))}</td>"


def listed(articles: Listed, what: str) -> str:
    shown = f" (the {len(articles.articles)} with the largest gap)" if articles.count > len(articles.articles) else ""
    return f"<p>{articles.count:,} {what}{shown}.</p>" + table(
        ("days apart", "published", "posted", "title", "url", *(("why",) if what.startswith("dates") else ())),
        (
            (a.lag_days, a.published, a.posted, a.title, a.url, *((CHECKS[a.check],) if a.check else ()))
            for a in sorted(articles.articles, reverse=True)
        ),
    )


def span(first: str | None, last: str | None) -> str:
    return f"{first} to {last}" if first and last else "—"


def totals(figures: Figures, corpus: str) -> str:
    changes = ", ".join(f"{n:,} {kind}" for kind, n in figures.changes.items())
    stream = figures.current_stream
    longest = figures.gaps[0] if figures.gaps else None
    back = [year for year, counts in figures.by_year.items() if counts["back_catalogue"]]
    rows = [
        ("articles", figures.articles),
        ("current stream (by published)", f"{span(stream.first, stream.last)}: {stream.articles:,} articles"),
        ("days without an article (in the current stream)", figures.days_without_articles),
        ("longest gap", f"{span(longest.first, longest.last)}: {longest.days:,} days" if longest else "none"),
        (
            "back catalogue",
            f"{figures.back_catalogue.count:,} articles" + (f", published {span(back[0], back[-1])}" if back else ""),
        ),
        ("dates to check", figures.dates_to_check.count),
        ("first and last posted day", span(figures.first_posted, figures.last_posted)),
        ("gated (left for a run with cookies)", figures.gated),
        ("pending (asked again next run)", figures.pending),
        ("changes", changes),
        ("runs with a health report", figures.runs),
    ]
    return (
        f'<table id="totals"><caption>{escape(corpus)}</caption><tbody>'
        + "".join(f"<tr><th>{escape(name)}</th>{cell(value)}</tr>" for name, value in rows)
        + "</tbody></table>"
    )


def gaps_section(gaps: list[Gap], figures: Figures) -> str:
    stream = figures.current_stream
    shown = f"; the {LISTED} longest" if len(gaps) > LISTED else ""
    return (
        f"<p>{figures.days_without_articles:,} days of the current stream ({span(stream.first, stream.last)}) "
        f"without an article published, in {len(gaps):,} gaps, the longest first{shown}.</p>"
        + table(("from", "to", "days"), ((gap.first, gap.last, gap.days) for gap in gaps[:LISTED]))
    )


def stream_charts(figures: Figures) -> list[str]:
    days = chart_days(figures)
    if not days:
        return ["<p>No article of the current stream.</p>"]
    return [
        "<h2>Articles per day</h2>",
        (
            f"<p>The current stream, {span(figures.current_stream.first, figures.current_stream.last)}: by the day "
            f"{escape(figures.source_name())} published them and the day KCNA Watch posted them; the days with no "
            "article published are shaded.</p>"
        ),
        f"<figure>{svg(daily_chart(figures, days))}</figure>",
        "<h2>Articles per month</h2>",
        f"<figure>{svg(monthly_chart(figures, days))}</figure>",
    ]


def render(figures: Figures, corpus: str) -> str:
    """The whole page."""
    sections = [
        f"<h1>{escape(figures.source_name())} corpus: {figures.articles:,} articles</h1>",
        totals(figures, corpus),
        *stream_charts(figures),
        "<h2>Articles per year</h2>",
        (
            f"<p>By the year {escape(figures.source_name())} published them: the current stream, and the back catalogue "
            f"(articles posted more than {BACK_CATALOGUE_DAYS} days after their publication) apart.</p>"
        ),
        f"<figure>{svg(yearly_chart(figures))}</figure>" if figures.by_year else "<p>No article with a date.</p>",
        "<h2>Back catalogue</h2>",
        listed(figures.back_catalogue, f"articles posted more than {BACK_CATALOGUE_DAYS} days after their publication"),
        "<h2>Dates to check</h2>",
        listed(
            figures.dates_to_check,
            f"dates to check: published after they were posted, or a date before {EARLIEST_PUBLISHED.year} "
            "or after today (left off the charts)",
        ),
        "<h2>Field coverage</h2>",
        table(
            ("field", "records with a value", "share"),
            (
                (name, n, f"{n / figures.articles:.1%}" if figures.articles else "—")
                for name, n in figures.field_coverage.items()
            ),
        ),
        f"<p>Over {figures.runs:,} runs' health reports: the fields found by a fallback rule, and not found.</p>",
        table(("field/rule", "records"), figures.fields_by_fallback.items()),
        table(("field missing", "records"), figures.fields_missing.items()),
        table(("finish reason", "runs"), figures.finish_reasons.items()),
        "<h2>Where the texts were read</h2>",
        (
            "<p>From the live site, or from a web archive's capture (the record's <code>capture</code> names it: "
            "<code>-a road=archive</code>, <code>-a fill=archive</code>).</p>"
        ),
        table(("read from", "articles"), figures.read_from.items()),
        "<h2>Days without an article</h2>",
        gaps_section(figures.gaps, figures),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(figures.source_name())} corpus report</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
