"""Render pages with the anatomy of KCNA Watch (``docs/site.md``).

The markup follows the site: a listing with ``.article-desc`` teaser blocks
(each title and teaser printed twice, on purpose) ended by a "More Articles"
control, "More Articles" slices as bare fragments of blocks, and article
pages with their "More From ..." teasers, among navigation, a sidebar, a
footer, a cookie notice and scripts that are never data. Every page speaks of
``https://kcnawatch.org``; the sample server puts its own address in its
place. ``benchmarks/synthetic_site.py`` builds its larger site with the same
functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape

SITE = "https://kcnawatch.org"
VOK = "Voice of Korea (EN)"
SOURCE_ID = 190163  # the source's id in slice URLs; not the 163 of /article/163/
PAGE = 12  # teasers on the listing and in a "More From" block
VOK_LISTING = f"{SITE}/article/163/"  # the source's listing
KST = timezone(timedelta(hours=9))  # the posting date of an article is its URL's epoch in Korea time


def slice_href(start: int, to: int = PAGE, source_id: int = SOURCE_ID) -> str:
    """A "More Articles" slice URL as the site spells it in markup (``&amp;``)."""
    return (
        f"{SITE}/wp-admin/admin-ajax.php?action=get_cat_by_source&amp;die=true"
        f"&amp;from={start}&amp;to={to}&amp;sort=&amp;id={source_id}"
    )


def more_control(
    form: str, start: int = PAGE, to: int = PAGE, source_id: int = SOURCE_ID, href: str | None = None
) -> str:
    """The "More Articles" control, in one of the site's forms.

    ``"href"``: a link to the next slice that also carries the script's data
    attributes; ``"button"``: a script-driven button with no URL at all;
    ``"self"``: an ``a.load-more`` whose ``href`` is the page itself (``href``,
    then ``#``) beside the data; ``"none"``: nothing (the script asks for the
    next slice by itself).
    """
    data = f'data-from="{start}" data-to="{to}" data-id="{source_id}"'
    if form == "self":
        return f'  <div class="load-more-wrap"><a class="load-more" href="{href}#" {data}>More Articles</a></div>\n'
    if form == "href":
        link = href or slice_href(start, to, source_id)
        return f'  <div class="load-more-wrap"><a class="more-articles" href="{link}" {data}>More Articles</a></div>\n'
    if form == "button":
        return f'  <div class="load-more-wrap"><button type="button" class="more-articles" {data}>More Articles</button></div>\n'
    if form == "none":
        return ""
    raise ValueError(f"no such control form: {form}")


# A teaser's call to subscribe, as the site ends some teasers after their "&hellip;": a link to NK Pro's
# subscription, or the same words in no link. No part of the teaser's text (docs/site.md, "The teaser block").
CALLS_TO_SUBSCRIBE = {
    "link": '&hellip; <a href="https://www.nknews.org/pro/subscribe/?utm_source=kcnawatch&amp;utm_medium=teaser">'
    "Upgrade to NK PRO today</a>",
    "words": '&hellip; <strong class="nkpro-cta">Upgrade to NK PRO today</strong>',
}


def posted_at(epoch: int) -> datetime:
    """The posting instant of ``/newstream/<epoch>-<id>/``, in Korea time."""
    return datetime.fromtimestamp(epoch, KST)


def long_date(day: date) -> str:
    return f"{day:%B} {day.day:02d}, {day.year}"


def short_date(day: date, zero: bool = True) -> str:
    return f"{day:%b} {day.day:02d}, {day.year}" if zero else f"{day:%b} {day.day}, {day.year}"


def date_html(day: date | str, form: str = "long") -> str:
    """A date in one of the forms the site prints in ``p.articled-date``.

    ``day`` may be a string (``"February 30, 2026"``) to print a date that
    does not exist; it is then printed as given, long and short alike.
    """
    if isinstance(day, str):
        month, rest = day.split(" ", 1)
        long, short = day, f"{month[:3]} {rest}"
    else:
        long, short = long_date(day), short_date(day)
    if form == "glued":
        return f'<span class="date-long">{long}</span><span class="date-short">{short}</span>'
    if form == "spaced":
        return f'<span class="date-long">{long}</span> <span class="date-short">{short}</span>'
    if form == "long":
        return f"<span>{long}</span>"
    if form == "short":  # no leading zero
        return f'<span class="date-short">{short_date(day, zero=False) if isinstance(day, date) else short}</span>'
    if form == "span-short":
        return f"<span>{short}</span>"
    if form == "text":  # no span at all, as an old scraper of the site saw it
        return f" {long}"
    raise ValueError(f"no such date form: {form}")


@dataclass
class Teaser:
    """How one block links one article: the spelling of its link and its date, and the block's shape.

    Shapes seen on the site (``docs/site.md``, "2026 evidence"): the
    thumbnail beside the block inside an ``article.clearfix``
    (``thumb_outside``), an ``img[alt]`` inside the ``h4`` (``img_in_h4``),
    the teaser text in a ``p`` of layout classes (``teaser_class``) with or
    without its copy in ``div.hover-excerpt`` (``hover_copy``).
    """

    href: str
    title: str
    date_html: str
    teaser_html: str
    with_h4: bool = True
    with_excerpt: bool = True
    thumb_title: str | None = None  # the site's copy, sometimes cut short with "…"
    thumb_outside: bool = False
    img_in_h4: bool = False
    teaser_class: str = "excerpt"
    hover_copy: bool = True

    def render(self) -> str:
        title = escape(self.title, quote=True)
        thumb = escape(self.thumb_title or self.title)
        image = f'<img src="{SITE}/wp-content/uploads/sites/5/thumb.jpg" alt="{title}" width="300" height="200">'
        thumb_link = f'<a class="thumb" href="{self.href}">{image}<span class="thumb-title">{thumb}</span></a>'
        icon = f'<img src="{SITE}/wp-content/uploads/sites/5/icon.png" alt="{title}"> ' if self.img_in_h4 else ""
        h4 = f'\n      <h4>{icon}<a href="{self.href}">{title}</a></h4>' if self.with_h4 else ""
        hover = f'\n      <div class="hover-excerpt">{self.teaser_html}</div>' if self.hover_copy else ""
        excerpt = f'\n      <p class="{self.teaser_class}">{self.teaser_html}</p>' if self.with_excerpt else ""
        text = f"""{h4}{hover}
      <p class="articled-date">{self.date_html}</p>{excerpt}"""
        if self.thumb_outside:
            return f"""<article class="clearfix">
  <div class="article-thumb">{thumb_link}</div>
  <div class="article-desc">
    <div class="col-sm-8 col-xs-12">{text}
    </div>
  </div>
</article>
"""
        return f"""<div class="article-desc">
  <div class="row">
    <div class="col-sm-4 col-xs-12">
      {thumb_link}
    </div>
    <div class="col-sm-8 col-xs-12">{text}
    </div>
  </div>
</div>
"""


def blocks(teasers: list[Teaser]) -> str:
    return "".join(teaser.render() for teaser in teasers)


def teasers_wrapper(teasers: list[Teaser], control: str) -> str:
    return f'  <div id="latest_article_wrapper">\n{blocks(teasers)}  </div>\n{control}'


def page(title: str, head: str, main: str, trending: list[tuple[str, str]]) -> str:
    """A whole page: the site's chrome around ``main``."""
    links = "".join(f'    <li><a href="{href}">{escape(text)}</a></li>\n' for href, text in trending)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{escape(title)} | KCNA Watch</title>
{head}<meta property="og:site_name" content="KCNA Watch">
<script src="{SITE}/wp-includes/js/jquery/jquery.min.js"></script>
</head>
<body class="single">

<header class="site-header">
  <div class="top-bar"><a href="{SITE}/">KCNA Watch</a> <a href="https://www.nknews.org/pro/">NK Pro</a>
  <a href="{SITE}/login/">Log in</a></div>
  <nav class="main-nav"><ul>
    <li><a href="{SITE}/article/6/">KCNA (EN)</a></li>
    <li><a href="{SITE}/article/11/">Rodong Sinmun (EN)</a></li>
    <li><a href="{SITE}/article/163/">Voice of Korea (EN)</a></li>
    <li><a href="{SITE}/korea-central-tv-livestream/">KCTV Livestream</a></li>
  </ul></nav>
</header>
<div class="container"><div class="row">
<main class="col-md-8">
{main}</main>

<aside class="sidebar">
  <div class="widget trending"><h3>Trending on KCNA Watch</h3><ul>
{links}  </ul></div>
  <div class="widget nkpro-promo"><p>Get full access to KCNA Watch with NK Pro.</p><a href="https://www.nknews.org/pro/subscribe/">Subscribe</a></div>
</aside>
</div></div>

<footer class="site-footer"><p>&copy; 2026 Korea Risk Group. KCNA Watch is a product of NK News.</p>
<a href="https://twitter.com/kcnawatch">Twitter</a> <a href="{SITE}/terms/">Terms</a></footer>
<div id="cookie-notice">We use cookies to improve your experience. <a href="#" class="accept">Accept</a></div>
<script>window.kw_ajax = {{"ajaxurl":"https:\\/\\/kcnawatch.org\\/wp-admin\\/admin-ajax.php"}};</script>
</body>
</html>
"""


def listing_page(
    source: str, teasers: list[Teaser], control: str, trending: list[tuple[str, str]], url: str = VOK_LISTING
) -> str:
    """A source's listing at ``url``: its heading names the source, then its first teasers and the control."""
    head = f'<link rel="canonical" href="{url}">\n'
    main = (
        f'<section class="source-archive">\n  <h1 class="archive-title">{escape(source)}</h1>\n'
        f"{teasers_wrapper(teasers, control)}</section>\n"
    )
    return page(source, head, main, trending)


def search_page(results_mark: str, more_mark: str, trending: list[tuple[str, str]]) -> str:
    """The search's page, its results and its control left as marks that the sample server fills in."""
    main = (
        '<section class="search-results">\n  <h1 class="archive-title">Search</h1>\n'
        f'  <div id="search_wrapper">\n{results_mark}  </div>\n  {more_mark}\n</section>\n'
    )
    return page("Search", "", main, trending)


def slice_fragment(teasers: list[Teaser], control: str = "") -> str:
    """A "More Articles" slice: blocks and maybe a control, no ``<html>``."""
    return "\n" + blocks(teasers) + control


PAYWALL = (
    '<div class="nk-paywall-free-member-form"><div class="free-member-form-inner">'
    "<h3>Upgrade to NK PRO to keep reading</h3>"
    '<p>This article is available to NK Pro members. <a href="https://www.nknews.org/pro/subscribe/">Upgrade to NK PRO today</a> or log in.</p>'
    f'<form class="free-member-form" action="{SITE}/free-member-form/" method="post">'
    '<input type="email" name="email" placeholder="Email"><button type="submit">Read for free</button></form>'
    "</div></div>"
)


def member_form_page(trending: list[tuple[str, str]]) -> str:
    """Where the gate redirects on the site: the NK Pro form, and no article."""
    main = f"""
<section class="free-member-form-page">
  <h1 class="page-title">Keep reading with NK Pro</h1>
{PAYWALL}
</section>
"""
    return page("NK Pro", "", main, trending)


@dataclass
class ArticleMarkup:
    """The parts of an article page, as HTML."""

    title: str
    title_html: str
    canonical: str | None
    date_html: str  # the header's date: the day the page is viewed
    meta_html: str
    content_html: str
    source: str = VOK
    related: list[Teaser] = field(default_factory=list)
    control: str = ""
    listing: str = VOK_LISTING  # the source's listing, which the header's source name links

    def render(self, trending: list[tuple[str, str]]) -> str:
        head = f'<link rel="canonical" href="{self.canonical}">\n' if self.canonical else ""
        main = f"""
<article class="article-single">
  <div class="article-header">
    <p class="articled-date">{self.date_html}</p>
    <div class="article-source"><span class="agency-label">KCNA</span> <a class="source-name" href="{self.listing}">{escape(self.source)}</a></div>
    <h1 class="article-title">{self.title_html}</h1>
    <p class="article-meta">{self.meta_html}</p>
  </div>
  <div class="article-content">
{self.content_html}
  </div>
</article>
<section class="more-from">
  <h3 class="section-title">More From {escape(self.source)}</h3>
{teasers_wrapper(self.related, self.control)}</section>
"""
        return page(self.title, head, main, trending)
