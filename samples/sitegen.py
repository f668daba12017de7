"""Render pages with the anatomy of KCNA Watch (``shared/site/README.md``).

The markup follows the site: a listing with ``.article-desc`` teaser blocks
(each title and teaser printed twice, on purpose), "More Articles" slices as
bare fragments, and article pages with their "More From ..." teasers, among
navigation, a sidebar, a footer, a cookie notice and scripts that are never
data. Every page speaks of ``https://kcnawatch.org``; the sample server puts
its own address in its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

SITE = "https://kcnawatch.org"
VOK = "Voice of Korea (EN)"


def slice_href(start: int, end: int, source_id: int = 163) -> str:
    """The "More Articles" link as the site spells it (``&amp;`` in the markup)."""
    return (
        f"{SITE}/wp-admin/admin-ajax.php?action=get_cat_by_source&amp;die=true"
        f"&amp;from={start}&amp;to={end}&amp;sort=&amp;id={source_id}"
    )


@dataclass
class Teaser:
    """How one block links one article: the spelling of its link and its date."""

    href: str
    title: str
    date_html: str
    teaser_html: str
    with_h4: bool = True
    with_excerpt: bool = True
    thumb_title: str | None = None  # the site's copy, sometimes cut short with "…"

    def render(self) -> str:
        title = escape(self.title, quote=True)
        thumb = escape(self.thumb_title or self.title)
        h4 = f'\n      <h4><a href="{self.href}">{title}</a></h4>' if self.with_h4 else ""
        excerpt = f'\n      <p class="excerpt">{self.teaser_html}</p>' if self.with_excerpt else ""
        return f"""<div class="article-desc">
  <div class="row">
    <div class="col-sm-4 col-xs-12">
      <a class="thumb" href="{self.href}"><img src="{SITE}/wp-content/uploads/sites/5/thumb.jpg" alt="{title}" width="300" height="200"><span class="thumb-title">{thumb}</span></a>
    </div>
    <div class="col-sm-8 col-xs-12">{h4}
      <div class="hover-excerpt">{self.teaser_html}</div>
      <p class="articled-date">{self.date_html}</p>{excerpt}
    </div>
  </div>
</div>
"""


def more_articles(href: str | None) -> str:
    if href is None:
        return ""
    return f'  <div class="load-more-wrap"><a class="more-articles" href="{href}">More Articles</a></div>\n'


def teasers_wrapper(teasers: list[Teaser], more_href: str | None) -> str:
    blocks = "".join(teaser.render() for teaser in teasers)
    return f'  <div id="latest_article_wrapper">\n{blocks}  </div>\n{more_articles(more_href)}'


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


def listing_page(source: str, teasers: list[Teaser], more_href: str | None, trending: list[tuple[str, str]]) -> str:
    head = f'<link rel="canonical" href="{SITE}/article/163/">\n'
    main = (
        f'<section class="source-archive">\n  <h1 class="archive-title">{escape(source)}</h1>\n'
        f"{teasers_wrapper(teasers, more_href)}</section>\n"
    )
    return page(source, head, main, trending)


def slice_fragment(teasers: list[Teaser], more_href: str | None) -> str:
    """A "More Articles" slice: blocks and maybe the next link, no ``<html>``."""
    return "\n" + "".join(teaser.render() for teaser in teasers) + more_articles(more_href)


@dataclass
class ArticleMarkup:
    """The parts of an article page, as HTML."""

    title: str
    title_html: str
    canonical: str | None
    date_html: str
    meta_html: str
    content_html: str
    source: str = VOK
    related: list[Teaser] = field(default_factory=list)
    more_href: str | None = None

    def render(self, trending: list[tuple[str, str]]) -> str:
        head = f'<link rel="canonical" href="{self.canonical}">\n' if self.canonical else ""
        main = f"""
<article class="article-single">
  <div class="article-header">
    <p class="articled-date">{self.date_html}</p>
    <div class="article-source"><span class="agency-label">KCNA</span> <a class="source-name" href="{SITE}/article/163/">{escape(self.source)}</a></div>
    <h1 class="article-title">{self.title_html}</h1>
    <p class="article-meta">{self.meta_html}</p>
  </div>
  <div class="article-content">
{self.content_html}
  </div>
</article>
<section class="more-from">
  <h3 class="section-title">More From {escape(self.source)}</h3>
{teasers_wrapper(self.related, self.more_href)}</section>
"""
        return page(self.title, head, main, trending)
