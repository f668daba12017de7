"""What lies beside a corpus: its files (named in :mod:`.paths`), written so that a kill or a full disk spoils none.

No Scrapy here: the crawl (:mod:`vok_crawler.crawl`) and the offline tools (:mod:`vok_crawler.tools`) both read
and write a corpus through this layer, which reads the site's rules (:mod:`vok_crawler.site`) and nothing above.
"""
