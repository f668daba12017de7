"""The Scrapy run: the spider and its roads, following and reading, downloader middlewares, pipelines, extensions.

It reads pages with the site's rules (:mod:`vok_crawler.site`) and keeps what it found through the store
(:mod:`vok_crawler.store`); nothing below it imports it.
"""
