"""The framework's ceiling: a Scrapy spider that follows the vok crawler's links and extracts nothing.

Run outside the project (no pipelines, no middlewares of ours):
``scrapy runspider minimal_spider.py -a start_url=http://127.0.0.1:PORT/article/163/``.
"""

import scrapy

LINKS = ".article-desc h4 a::attr(href), a.more-articles::attr(href)"


class FollowOnlySpider(scrapy.Spider):
    name = "follow_only"

    def __init__(self, start_url: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]

    def parse(self, response):
        for href in response.css(LINKS).getall():
            yield response.follow(href, self.parse)
