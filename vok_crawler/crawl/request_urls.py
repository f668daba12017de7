"""What a request's URL says to the crawl: the URL it asked for before any redirect, and whether it is robots.txt.

One definition of each for the spider, the memory and every downloader
middleware (the bot check, the browser road, the archive, the replay).
"""

from __future__ import annotations

from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

ROBOTS_TXT = "/robots.txt"
SITE_URL = "vok_site_url"  # request.meta: the site's page a request reads from elsewhere (a web archive's capture)


def asked_url(message: Request | Response) -> str:
    """The URL of the site the crawl asked for, before any redirect (of a response, or of a failed request);
    for a page read from a web archive, the article's canonical URL on the site (:data:`SITE_URL`)."""
    return str(message.meta.get(SITE_URL) or message.meta.get("redirect_urls", [message.url])[0])


def is_robots_txt(request: Request) -> bool:
    """Whether ``request`` asks for robots.txt: a rule for crawlers, not a page of the site (never judged, archived
    or sent through the browser)."""
    return urlparse_cached(request).path == ROBOTS_TXT
