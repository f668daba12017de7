"""``scrapy probe`` in parts: what it found (:mod:`.model`), the raw pages it saves (:mod:`.saving`) and the
table it prints (:mod:`.table`); the spider that finds it is the crawl's (:mod:`vok_crawler.crawl.probe_spider`)."""
