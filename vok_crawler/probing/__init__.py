"""``scrapy probe`` in parts: what it found (:mod:`.model`), the spider that finds it (:mod:`.spider`),
the raw pages it saves (:mod:`.saving`) and the table it prints (:mod:`.table`)."""
