"""A synthetic KCNA Watch of N Voice of Korea articles, for the benchmark.

Built with the sample site's own markup (``samples/sitegen.py``): a listing
of 12 teasers, "More Articles" slices of 12, and articles with 4 body
paragraphs and a "More From" block of the source's latest 12 (as the site
shows them). Article URLs carry their posting epoch (twenty a day); teaser
dates are those epochs' days in Korea time, and article headers show the day
viewed. Slices are static files for nginx (``<id>-<from>-<to>.html``, ``to``
read as a count) and end with a link to the next one, so the baselines that
only follow links can walk them. Articles carry serial numbers (1 the
oldest); ``add`` more at the head with a second call, as a site that
published since the last crawl.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))

from sitegen import (
    PAGE,
    SITE,
    SOURCE_ID,
    ArticleMarkup,
    Teaser,
    date_html,
    listing_page,
    more_control,
    posted_at,
    slice_fragment,
)

FIRST_EPOCH = 1577836800  # 2020-01-01T00:00:00Z
SPACING = 86400 // 20  # twenty articles a day
VIEWED = date(2026, 11, 23)
PARAGRAPH = (
    "Officials and workers of the field of {topic} are making fresh successes in their work to implement the "
    "tasks set forth at the plenary meeting, while conducting technical innovation and mass emulation drives. "
    "They have raised the efficiency of production processes and improved the quality of goods in report {n}."
)


def epoch(serial: int) -> int:
    return FIRST_EPOCH + serial * SPACING


def path(serial: int) -> str:
    return f"newstream/{epoch(serial)}-{381000000 + serial}/report-{serial}-on-{['farming', 'fisheries', 'mining', 'textiles'][serial % 4]}"


def posted(serial: int) -> date:
    """The posting date: the URL's epoch in Korea time."""
    return posted_at(epoch(serial)).date()


def title(serial: int) -> str:
    return f"Successes in report {serial} of the national economy"


def teaser(serial: int) -> Teaser:
    return Teaser(
        href=f"{SITE}/{path(serial)}/",
        title=title(serial),
        date_html=date_html(posted(serial), "glued"),
        teaser_html=PARAGRAPH.format(topic="industry", n=serial)[:120],
    )


def article_page(serial: int, latest: list[int]) -> str:
    day = posted(serial)
    paragraphs = [
        PARAGRAPH.format(topic=topic, n=serial) for topic in ("industry", "agriculture", "science", "education")
    ]
    markup = ArticleMarkup(
        title=title(serial),
        title_html=title(serial),
        canonical=f"{SITE}/{path(serial)}/",
        date_html=date_html(VIEWED, "glued"),
        meta_html=f'Date: {day:%d/%m/%Y} | Source: Voice of Korea (EN) | <a href="http://www.vok.rep.kp/index.php/detail/{day}-{serial}">Read original version at source</a>',
        content_html="\n".join(f"<p>{text}</p>" for text in paragraphs),
        related=[teaser(s) for s in latest],
        control=more_control("href", PAGE, PAGE),
    )
    return markup.render(trending=[])


def write(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def generate(root: Path, total: int, first_new: int = 1, slice_list: bool = False) -> None:
    """Articles ``first_new``..``total`` and the whole listing for ``total`` articles.

    With ``slice_list``, the slices are not files: the source's whole list of
    blocks is written for the sample server to cut slices from on the fly, at
    any ``from`` and ``to`` (as the tests' fault server does).
    """
    write(root / "robots.txt", "User-agent: *\nDisallow: /wp-login.php\n")
    newest_first = list(range(total, 0, -1))
    for serial in range(first_new, total + 1):
        write(root / path(serial) / "index.html", article_page(serial, newest_first[:PAGE]))
    control = more_control("href", PAGE, PAGE) if total > PAGE else ""
    write(
        root / "article/163/index.html",
        listing_page("Voice of Korea (EN)", [teaser(s) for s in newest_first[:PAGE]], control, []),
    )
    if slice_list:
        write(root / f"wp-admin/admin-ajax/{SOURCE_ID}.html", slice_fragment([teaser(s) for s in newest_first]))
        return
    for start in range(PAGE, total, PAGE):
        control = more_control("href", start + PAGE, PAGE) if start + PAGE < total else ""
        blocks = [teaser(s) for s in newest_first[start : start + PAGE]]
        write(root / f"wp-admin/admin-ajax/{SOURCE_ID}-{start}-{PAGE}.html", slice_fragment(blocks, control))


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
