"""What reads a corpus offline (its report, export and check, the probe's findings) and the sample site.

Tools use the site's rules (:mod:`vok_crawler.site`) and the store (:mod:`vok_crawler.store`), never the
crawl (:mod:`vok_crawler.crawl`): a corpus is read the same whether or not a crawl is running.
"""
