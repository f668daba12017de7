"""``scrapy probe`` in parts: what it found and its verdict (:mod:`.model`), the spider that finds it, the crawl's
routing cut down (:mod:`.spider`), the raw pages it saves (:mod:`.saving`) and the table it prints (:mod:`.table`).

A run of the crawl's own spider against the live site, so a part of the crawl, not a tool reading a corpus.
"""
