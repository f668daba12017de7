"""The page objects, in the manner of web-poet: what KCNA Watch's pages hold, read from their markup alone.

In parts: the XPath catalogue (:mod:`.queries`), the record's fields as a
page declares them (:mod:`.fields`), any page of the site with its teasers
and "More Articles" control (:mod:`.site_page`), a teaser block's parts
(:mod:`.teasers`), the article page and its meta line (:mod:`.article`), the
NK Pro gate (:mod:`.gate`) and a bot check's challenge (:mod:`.challenge`).
"""
