"""A synthetic KCNA Watch of N Voice of Korea articles, for the benchmark.

Built with the sample site's own markup (``samples/sitegen.py``): a listing
of 12 teasers, "More Articles" slices of 12, and articles with 4 body
paragraphs and a "More From" block of the 12 older neighbours. Articles
carry serial numbers (1 the oldest); ``add`` more at the head with a second
call, as a site that published since the last crawl.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))

from sitegen import (  # noqa: E402
    SITE,
    ArticleMarkup,
    Teaser,
    listing_page,
    slice_fragment,
    slice_href,
)

PAGE = 12
PARAGRAPH = (
    "Officials and workers of the field of {topic} are making fresh successes in their work to implement the "
    "tasks set forth at the plenary meeting, while conducting technical innovation and mass emulation drives. "
    "They have raised the efficiency of production processes and improved the quality of goods in report {n}."
)


def path(serial: int) -> str:
    return f"newstream/{1700000000 + serial * 600}-{381000000 + serial}/report-{serial}-on-{['farming', 'fisheries', 'mining', 'textiles'][serial % 4]}"


def posted(serial: int) -> date:
    return date(2020, 1, 1) + timedelta(days=serial // 20)  # twenty articles a day


def title(serial: int) -> str:
    return f"Successes in report {serial} of the national economy"


def teaser(serial: int) -> Teaser:
    day = posted(serial)
    return Teaser(
        href=f"{SITE}/{path(serial)}/",
        title=title(serial),
        date_html=f'<span class="date-long">{day:%B %d, %Y}</span><span class="date-short">{day:%b %d, %Y}</span>',
        teaser_html=PARAGRAPH.format(topic="industry", n=serial)[:120],
    )


def article_page(serial: int) -> str:
    day = posted(serial)
    paragraphs = [PARAGRAPH.format(topic=topic, n=serial) for topic in ("industry", "agriculture", "science", "education")]
    markup = ArticleMarkup(
        title=title(serial),
        title_html=title(serial),
        canonical=f"{SITE}/{path(serial)}/",
        date_html=f'<span class="date-long">{day:%B %d, %Y}</span><span class="date-short">{day:%b %d, %Y}</span>',
        meta_html=f'Date: {day:%d/%m/%Y} | Source: Voice of Korea (EN) | <a href="http://www.vok.rep.kp/index.php/detail/{day}-{serial}">Read original version at source</a>',
        content_html="\n".join(f"<p>{text}</p>" for text in paragraphs),
        related=[teaser(older) for older in range(serial - 1, max(0, serial - 1 - PAGE), -1)],
        more_href=slice_href(PAGE, 2 * PAGE),
    )
    return markup.render(trending=[])


def write(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def generate(root: Path, total: int, first_new: int = 1) -> None:
    """Articles ``first_new``..``total`` and the whole listing for ``total`` articles."""
    write(root / "robots.txt", "User-agent: *\nDisallow: /wp-login.php\n")
    for serial in range(first_new, total + 1):
        write(root / path(serial) / "index.html", article_page(serial))
    newest_first = list(range(total, 0, -1))
    more = slice_href(PAGE, 2 * PAGE) if total > PAGE else None
    write(root / "article/163/index.html", listing_page("Voice of Korea (EN)", [teaser(s) for s in newest_first[:PAGE]], more, []))
    for start in range(PAGE, total, PAGE):
        more = slice_href(start + PAGE, start + 2 * PAGE) if start + PAGE < total else None
        blocks = [teaser(s) for s in newest_first[start : start + PAGE]]
        write(root / f"wp-admin/admin-ajax/163-{start}-{start + PAGE}.html", slice_fragment(blocks, more))


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
