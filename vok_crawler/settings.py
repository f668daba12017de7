"""Scrapy settings for vok_crawler: polite to the live site by default.

Override any of them per run with ``-s NAME=VALUE`` (or Scrapyd's
``-d setting=NAME=VALUE``).
"""

BOT_NAME = "vok_crawler"
SPIDER_MODULES = ["vok_crawler.crawl.spiders"]
NEWSPIDER_MODULE = "vok_crawler.crawl.spiders"
COMMANDS_MODULE = "vok_crawler.commands"

# Where the corpus accumulates, run after run (relative to the working directory);
# %(site)s is the crawled host (and port), so each site has a corpus of its own, and %(source)s the
# source's name in a file name (vok for Voice of Korea (EN), kcna-en for KCNA (EN): vok_crawler.store.paths),
# so each source has its own too. %(name)s is the spider's name.
VOK_CORPUS = "data/%(site)s/%(source)s.jsonl"
# The site's host names (host[:port], space- or comma-separated): a link to any of them is on the
# site and fetched on the crawl's own host; a crawl started from one of them keeps the corpus of the first.
VOK_HOST_ALIASES = "kcnawatch.org www.kcnawatch.org kcnawatch.xyz www.kcnawatch.xyz"
# The source whose articles the corpus keeps, as its articles' meta line names it (Source: ...), unless
# -a source= names another; articles of other sources reached through links are skipped.
VOK_SOURCE = "Voice of Korea (EN)"
# The roads a crawl may take (-a road=NAME, or a road's own arguments), each a module of
# vok_crawler/crawl/roads/: a new road is one line here. A project's own go into VOK_ROADS (None takes one away).
VOK_ROADS_BASE = {
    "listing": "vok_crawler.crawl.roads.listing.ListingRoad",
    "search": "vok_crawler.crawl.roads.search.SearchRoad",
    "replay": "vok_crawler.crawl.roads.replay.ReplayRoad",
    "archive": "vok_crawler.crawl.roads.archive.ArchiveRoad",
}
VOK_ROADS: dict[str, str | None] = {}
# A subscriber's cookies (Netscape cookies.txt, as browser extensions export it), sent to the
# crawled site only, so that articles behind the NK Pro gate can be read. Empty: none.
VOK_COOKIES_FILE = ""
# This many refusals in a row (403/429 after their retries, pages that are neither article,
# listing nor gate) stop the crawl with finish reason "blocked"; what is unread stays pending.
VOK_BLOCKED_AFTER = 5
# A run with a session (cookies or a browser profile) that meets the gate on this many article pages,
# whatever it read between them, stops with finish reason "session_expired"; they stay pending.
VOK_SESSION_LOST_AFTER = 3
# The browser road (pip install -e ".[browser]"): the site's pages fetched through Chromium with this
# persistent profile (a user-data directory where the user logged in: `scrapy login DIR`). Empty: off.
VOK_BROWSER_PROFILE = ""
# The browser to drive; empty: Playwright's own Chromium if installed, else `chromium` on PATH.
VOK_BROWSER_EXECUTABLE = ""
# Seconds the browser road waits for a challenge's script to load the page (else: a bot check).
VOK_BROWSER_CHALLENGE_WAIT = 15.0
# VOK_LOOK_ONLY (not set here: a project setting would outrank a command's) is set by
# ``scrapy parse`` and ``scrapy fetch``: the vok spider looks at pages and keeps nothing
# (no corpus, lock, state, health report or archive).

# Politeness: the site limits heavy use. One request at a time, at least a second apart,
# slower still when AutoThrottle sees the server's latency grow.
USER_AGENT = "vok_crawler/0.1 (+https://github.com/vok-crawler/vok_crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 3
COOKIES_ENABLED = False
# No console and no remote control into a running crawl: Scrapy 2.19 starts an HTTP server that runs
# the Python code it is sent in every crawl (Scrapyd jobs too) unless told not to. -s turns either on.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Retries wait: Retry-After on 429/503 (capped), else exponential backoff.
VOK_RETRY_BACKOFF_BASE = 1.0
VOK_RETRY_BACKOFF_MAX = 60.0
VOK_RETRY_AFTER_MAX = 300.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "vok_crawler.crawl.middlewares.BackoffRetryMiddleware": 550,
    "vok_crawler.crawl.refusals.BanWatch": 560,  # sees an answer before the retries: a bot check is not retried
    "vok_crawler.crawl.middlewares.DeclaredCharsetMiddleware": 580,
    "vok_crawler.crawl.middlewares.OffSiteRedirectMiddleware": 610,
    "vok_crawler.crawl.cookies.SubscriberCookiesMiddleware": 700,
    # Next to the download handler: the archive sees the bytes received, the replay answers in its place.
    "vok_crawler.crawl.archive.ArchiveMiddleware": 950,
    "vok_crawler.crawl.replay.ReplayMiddleware": 960,
}

# The web's archives (the archive road, -a fill=archive, scrapy probe --archive): the CDX index, the
# prefix of raw captures ({prefix}{timestamp}id_/{URL}) and, when set, a prefix from which a capture's
# WARC record is read by byte range, as Common Crawl serves them
# (VOK_ARCHIVE_CDX=https://index.commoncrawl.org/CC-MAIN-2025-47-index,
# VOK_ARCHIVE_WARC=https://data.commoncrawl.org/). Their requests wait VOK_ARCHIVE_DELAY seconds
# between them, in a download slot of their own.
VOK_ARCHIVE_CDX = "https://web.archive.org/cdx/search/cdx"
VOK_ARCHIVE_REPLAY = "https://web.archive.org/web/"
VOK_ARCHIVE_WARC = ""
VOK_ARCHIVE_DELAY = 1.0

# The WARC archive of every response read: a directory; None is archive/ beside the corpus,
# empty turns it off. A file is closed and the next one opened past this size.
VOK_ARCHIVE = None
VOK_ARCHIVE_MAX_BYTES = 1024**3

# The crawl's memory (corpus, state, lock), and a summary of every run, in the log and
# beside the corpus; a broken layout, a blocked or fully gated run fails the run.
EXTENSIONS = {
    "vok_crawler.crawl.memory.CrawlMemory": 100,
    "vok_crawler.crawl.extensions.HealthReport": 500,
    "vok_crawler.crawl.progress.Progress": 600,
}
# The vok crawl's progress line (new, known, slices, pending, gated, share done, time left), in
# seconds; 0 turns it off. It stands in for Scrapy's LogStats line, which the vok spider turns off.
VOK_PROGRESS_INTERVAL = 60.0
# The health report takes the layout as broken when fewer than this share of a run's records
# have each of these fields (vok_crawler.crawl.health.Thresholds).
VOK_LAYOUT_MIN_SHARE = 0.5
VOK_LAYOUT_FIELDS = ["title", "body"]

# The browser road, for the vok crawl given VOK_BROWSER_PROFILE: its settings made once the spider is known;
# the web archives' download slot (VOK_ARCHIVE_DELAY), and their captures read as the site's pages.
ADDONS = {"vok_crawler.crawl.browser.BrowserRoad": 0, "vok_crawler.crawl.capture_reading.ArchiveSlot": 0}

# Scrapy starts this many tasks for every callback's output, whatever its size; a page
# yields one record and a dozen requests, and the pipelines are synchronous.
CONCURRENT_ITEMS = 8

# Progress of other spiders: pages, items and their rates, once a minute.
LOGSTATS_INTERVAL = 60.0

ITEM_PIPELINES = {
    "vok_crawler.crawl.pipelines.SchemaPipeline": 50,  # first: an invalid record claims no URL
    "vok_crawler.crawl.pipelines.DedupePipeline": 100,
    "vok_crawler.crawl.pipelines.JsonLinesCorpusPipeline": 800,
}

FEED_EXPORT_ENCODING = "utf-8"
# CSV and XML feeds hold the nested related teasers as JSON text (lists stay lists in JSON feeds).
FEED_EXPORTERS = {
    "csv": "vok_crawler.crawl.feeds.JsonTextCsvItemExporter",
    "xml": "vok_crawler.crawl.feeds.JsonTextXmlItemExporter",
}
