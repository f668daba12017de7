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
from datetime import date, timedelta
from html import escape
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from vok_crawler.coverage import BACK_CATALOGUE_DAYS, Figures, Listed, days_between

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.8em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.muted { color: #777; }
"""
POSTED, PUBLISHED, EMPTY = "#1f77b4", "#ff7f0e", "#d62728"


def svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no date, no external reference)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def new_figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(11, height), layout="constrained")
    return figure, figure.subplots()


def day_runs(days: Iterable[str]) -> list[tuple[date, int]]:
    """Consecutive days as (first day, length) runs: one mark per gap, not per day."""
    runs: list[tuple[date, int]] = []
    for text in days:
        when = date.fromisoformat(text)
        if runs and runs[-1][0] + timedelta(days=runs[-1][1]) == when:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((when, 1))
    return runs


def daily_chart(figures: Figures) -> str:
    """Articles per day by ``posted`` and by ``published``, the days with no article posted marked."""
    figure, axes = new_figure(3.6)
    known = [*figures.posted_by_day, *figures.published_by_day]
    days = list(days_between(date.fromisoformat(min(known)), date.fromisoformat(max(known))))
    for counts, color, label in (
        (figures.posted_by_day, POSTED, "posted"),
        (figures.published_by_day, PUBLISHED, "published"),
    ):
        values = [counts.get(when.isoformat(), 0) for when in days]
        axes.plot(days, values, drawstyle="steps-mid", color=color, linewidth=0.8, label=label)  # type: ignore[arg-type]
    runs = day_runs(figures.days_without_articles)
    if runs:
        spans = [(when - timedelta(hours=12), timedelta(days=length)) for when, length in runs]
        axes.broken_barh(spans, (-0.6, 0.4), color=EMPTY, label="no article posted")  # type: ignore[arg-type]
    axes.set_ylabel("articles a day")
    axes.legend(loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    return svg(figure)


def monthly_chart(figures: Figures) -> str:
    """Articles per month, by ``posted`` and by ``published`` side by side."""
    figure, axes = new_figure(3.2)
    months = sorted(set(figures.by_month) | set(figures.by_month_published))
    places = range(len(months))
    axes.bar([p - 0.2 for p in places], [figures.by_month.get(m, 0) for m in months], 0.4, color=POSTED, label="posted")
    axes.bar(
        [p + 0.2 for p in places],
        [figures.by_month_published.get(m, 0) for m in months],
        0.4,
        color=PUBLISHED,
        label="published",
    )
    step = max(1, len(months) // 24)
    axes.set_xticks(list(places)[::step], months[::step], rotation=60, ha="right")
    axes.set_ylabel("articles a month")
    axes.legend(loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    return svg(figure)


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
        ("days apart", "published", "posted", "title", "url"),
        ((a.lag_days, a.published, a.posted, a.title, a.url) for a in sorted(articles.articles, reverse=True)),
    )


def totals(figures: Figures, corpus: str) -> str:
    changes = ", ".join(f"{n:,} {kind}" for kind, n in figures.changes.items())
    rows = [
        ("articles", figures.articles),
        ("first posted day", figures.first_posted),
        ("last posted day", figures.last_posted),
        ("days without an article", len(figures.days_without_articles)),
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


def render(figures: Figures, corpus: str) -> str:
    """The whole page."""
    sections = [
        f"<h1>Voice of Korea corpus: {figures.articles:,} articles</h1>",
        totals(figures, corpus),
        "<h2>Articles per day</h2>",
        (
            "<p>By the day KCNA Watch posted them and the day Voice of Korea published them; "
            "the days with no article posted are marked in red under the axis.</p>"
        ),
        f"<figure>{daily_chart(figures)}</figure>"
        if figures.posted_by_day or figures.published_by_day
        else "<p>No article yet.</p>",
        "<h2>Articles per month</h2>",
        f"<figure>{monthly_chart(figures)}</figure>"
        if figures.by_month or figures.by_month_published
        else "<p>No article yet.</p>",
        "<h2>Back catalogue</h2>",
        listed(figures.back_catalogue, f"articles posted more than {BACK_CATALOGUE_DAYS} days after their publication"),
        "<h2>Dates to check</h2>",
        listed(figures.dates_to_check, "articles published after the day they were posted"),
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
        "<h2>Days without an article</h2>",
        f"<p>{len(figures.days_without_articles):,} days from the first to the last posted day.</p>",
        table(
            ("from", "to", "days"),
            (
                (first.isoformat(), (first + timedelta(days=length - 1)).isoformat(), length)
                for first, length in day_runs(figures.days_without_articles)
            ),
        ),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Voice of Korea corpus report</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
