"""Scrapy settings of the project; a job file and CLI flags override them."""

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Output: OUTPUT_ROOT/JOB_NAME/ holds records.jsonl and the WARC files.
# JOB_NAME defaults to the first start URL's host (see ArticleSpider).
OUTPUT_ROOT = "output"
JOB_NAME = None
FEEDS = {
    "%(records_path)s": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "store_empty": True,
    },
}
# Unbuffered, and a partial last line from a killed run is cut off before appending.
FEED_STORAGES = {
    "": "crawler.extensions.feedstorage.LineSafeFileFeedStorage",
    "file": "crawler.extensions.feedstorage.LineSafeFileFeedStorage",
}
JOB_OPERATOR = None  # who runs the crawl (warcinfo)
JOB_DESCRIPTION = None
JOB_CONTACT = None  # URL or e-mail added to the User-Agent

# Seeds (the spider's -a start_urls=... also works). A job file's [seeds] file (or crawl --seeds FILE)
# adds its URLs, one a line, to START_URLS; SEEDS_FILE names it.
START_URLS = []
SEEDS_FILE = None
SITEMAP_URLS = []
FEED_URLS = []
SITEMAP_PROBE = True  # try /sitemap.xml when robots.txt lists no sitemap

# Scope: SCOPE_HOSTS defaults to the seeds' hosts (exact host:port).
SCOPE_HOSTS = []
SCOPE_SUBDOMAINS = False
SCOPE_INCLUDE = []  # regexes; when given, discovered URLs must match one
SCOPE_EXCLUDE = []  # regexes
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 1  # with the FIFO frontier: breadth-first

# Exact limits (0: none); CLOSESPIDER_* stay available but overshoot.
LIMIT_PAGES = 0
LIMIT_PAGES_PER_HOST = 0
LIMIT_RECORDS = 0
# {regex: N}: at most N fetches of URLs matching regex, per run (a budget for a site section or a trap).
LIMIT_PAGES_PER_PATTERN = {}

# Crawler traps by URL shape (docs/limits.md): dates in URLs beyond TRAP_YEARS_AHEAD years from now or
# before TRAP_EARLIEST_YEAR (endless calendars), and chains of more than TRAP_MAX_BARREN_CHAIN listing
# pages of one URL shape that lead nowhere new (numbers that only grow: /page/N, ?offset=N, /day/N).
TRAP_YEARS_AHEAD = 1
TRAP_EARLIEST_YEAR = 1990
TRAP_MAX_BARREN_CHAIN = 10

# Sitemaps and feeds: at most SITEMAP_MAX_URLS entries read from one document (the sitemap protocol's
# own maximum is 50,000), at most SITEMAP_MAX_FILES sitemap documents per run.
SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_FILES = 1_000

# Date window for articles (ISO dates, inclusive).
DATE_SINCE = None
DATE_UNTIL = None

# Incremental runs: conditional requests, unchanged-page detection and article versions (a record only
# when the content changed, pointing at the version it replaces) from output/JOB/state.sqlite.
INCREMENTAL_ENABLED = True
CHANGE_FEED_ENABLED = True  # OUTPUT/JOB/changes.xml after each run

# Processes that parse pages and extract records while the engine downloads: "auto" is one per
# core beyond the first (at least 1, at most 4); 0 parses in the crawl's own process (no time budget).
EXTRACTION_WORKERS = "auto"
# A page's analysis gets this many seconds; past it the worker is killed and replaced, and the page
# (archived as usual) gets a record with extraction_error. Only the first ANALYSIS_MAXSIZE bytes of
# a page are analysed (the archive keeps up to DOWNLOAD_MAXSIZE).
ANALYSIS_TIMEOUT = 15.0
ANALYSIS_MAXSIZE = 5 * 1024 * 1024

# Output safety: the crawl stops (exit code 1, resumable) when a file system it writes to has less
# than this much free space, checked before the start and every DISK_CHECK_INTERVAL seconds (0: no
# check). Every CHECKPOINT_INTERVAL seconds records and WARC files are fsynced, and only then are the
# pages finished since the last checkpoint committed to the frontier and the job state.
OUTPUT_MIN_FREE_SPACE = 512 * 1024 * 1024
DISK_CHECK_INTERVAL = 1.0
CHECKPOINT_INTERVAL = 2.0

# Fetch what every archived page needs to replay: stylesheets (and their url()s and @imports),
# scripts, icons, fonts, images, media; archived, never followed as pages (crawler/discovery/requisites.py).
PAGE_REQUISITES_ENABLED = True
# Also from hosts outside the scope (CDNs), robots.txt and politeness applied per host; frames never.
PAGE_REQUISITES_OTHER_HOSTS = True

# A crash-safe SQLite frontier; with JOBDIR (crawler crawl --job-dir) a stopped or killed run resumes.
SCHEDULER = "crawler.scheduler.local.FrontierScheduler"
REQUEST_FINGERPRINTER_CLASS = "crawler.scheduler.fingerprint.CanonicalRequestFingerprinter"
# A frontier in Redis shared by many workers (redis://host:port/db); see docs/distributed.md.
FRONTIER_URL = None
FRONTIER_LEASE_SECONDS = 120  # a dead worker's requests go back to the queue after this long
SCHEDULER_SERIALIZER = "crawler.scheduler.serialize"  # JSON requests in Redis (scrapy-redis pickles by default)
WORKER_ID = None  # names this worker's output files; default host-pid when FRONTIER_URL is set
# Partial-failure exit code when failed fetches exceed this share of all fetches.
ERROR_THRESHOLD = 0.05

# Politeness.
USER_AGENT = "crawler/0.1 (archiving crawler)"  # a job's [job] contact is appended
ROBOTSTXT_OBEY = True
# RFC 9309: robots.txt that answers 4xx allows everything; 5xx, a timeout or a connection error
# disallow everything until it is fetched again, ROBOTSTXT_RETRY_AFTER seconds later. Redirects are
# followed up to ROBOTSTXT_MAX_REDIRECTS hops, to other hosts too, and the rules found apply to the
# host asked; more hops count as no robots.txt (allow).
ROBOTSTXT_RETRY_AFTER = 600.0
ROBOTSTXT_MAX_REDIRECTS = 5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many asyncio tasks for every response's callback output (default 100). Our item
# pipelines never wait, so 4 loses nothing, and the engine stops spending its time creating and
# scheduling idle tasks (bench/crawl.py, 1,500 articles: 145 -> 236 pages/s; docs/benchmarks.md).
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024  # also the limit on a decompressed body (gzip bombs); 0 is refused
# A response head (status line and headers) larger or longer than this fails the fetch: a server
# streaming headers forever costs at most this much memory.
DOWNLOAD_HEADERS_MAXSIZE = 256 * 1024
DOWNLOAD_HEADERS_MAXCOUNT = 500
RETRY_TIMES = 2
CRAWL_DELAY_MAX = 60.0  # cap on a robots.txt Crawl-delay

# Both listen on a local port and run code sent to it: off unless a job asks.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "crawler.downloadermiddlewares.outcomes.FetchOutcomeMiddleware": 1,
    # RFC 9309 failure handling (unreachable robots.txt disallows) in place of Scrapy's allow-all.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    # Credentials matched to host[:port] as written in the job file or seed URL.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "crawler.downloadermiddlewares.httpauth.HttpAuthMiddleware": 300,
    # Exact-host scope instead of Scrapy's domain-and-subdomains rule.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.downloadermiddlewares.scope.ScopeMiddleware": 50,
    # After robots.txt (100), so a disallowed URL never counts against the limit.
    "crawler.downloadermiddlewares.limits.PageLimitMiddleware": 110,
    # After HttpCompressionMiddleware (590) in the response path: digests of decoded bodies.
    "crawler.downloadermiddlewares.incremental.IncrementalMiddleware": 585,
    # Scrapy's meta-refresh redirects, ruling out on its bytes a page that holds none (no decoding).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.downloadermiddlewares.metarefresh.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.downloadermiddlewares.cookies.OfflineCookiesMiddleware": 700,
    # Every request waits for its host's turn (delay, Crawl-delay, AutoThrottle, concurrency), shared by a
    # fleet's workers; after robots.txt, scope and limits, just before WARC capture and the socket.
    "crawler.downloadermiddlewares.politeness.PolitenessMiddleware": 900,
    # Closest to the downloader: sees every response before decompression,
    # redirect handling or retries, and after the HTTP cache (cache hits are skipped).
    "crawler.downloadermiddlewares.warc.WarcCaptureMiddleware": 950,
    # Browser mode (BROWSER_*) adds BrowserCaptureMiddleware at 960 (crawler/downloader/browsermode.py).
}

WARC_ENABLED = True
WARC_PREFIX = None  # file name prefix; defaults to JOB_NAME
WARC_MAX_SIZE = 1024**3  # roll over to a new file past this size
WARC_GZIP = True
WARC_VERSION = "1.1"  # or "1.0" for tools that only read WARC/1.0
WARC_DIGEST_ALGORITHM = "sha1"  # block and payload digests, base32 like the field's tools; or "sha256"
WARC_DEDUP = True  # revisit records for payloads this job archived before (digest index in state.sqlite)
WARC_DEDUP_MIN_SIZE = 1  # shorter payloads (empty bodies) are always stored in full
WARC_METADATA_ENABLED = True  # a metadata record per article page: outlinks, extracted record id
# Request records keep Authorization, Proxy-Authorization and Cookie header names, values masked (***);
# True stores them as sent (for an archive that stays private).
WARC_KEEP_CREDENTIALS = False
WARC_CDXJ_ENABLED = True  # OUTPUT_DIR/index.cdxj of all the job's WARCs at the end of a crawl
WACZ_ENABLED = False  # also OUTPUT_DIR/JOB.wacz, a package ReplayWeb.page opens
WACZ_TITLE = None  # defaults to JOB_NAME
# Scrapy's HTTP/1.1 handler, also recording heads as sent/received and bodies cut short, for the WARC.
DOWNLOAD_HANDLERS = {
    "http": "crawler.downloader.http11.CapturingHTTP11DownloadHandler",
    "https": "crawler.downloader.http11.CapturingHTTP11DownloadHandler",
}

# Browser mode (docs/browser.md): pages rendered in headless Chromium through scrapy-playwright, every
# exchange the browser makes for them archived, records extracted from the rendered DOM. Off by default:
# BROWSER_ENABLED renders every page; BROWSER_URL_PATTERNS (regexes) renders only the pages matching one.
BROWSER_ENABLED = False
BROWSER_URL_PATTERNS = []
BROWSER_EXECUTABLE = "/usr/bin/chromium"  # Debian's; Playwright downloads no browser of its own
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # One renderer process per page: with site isolation, a cross-site iframe runs in a process of its own,
    # whose exchanges the page's DevTools session does not see (and so would not be archived).
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process",
]
BROWSER_MAX_PAGES = 4  # pages open at once, in one browser context
BROWSER_NAVIGATION_TIMEOUT = 30  # seconds until the load event
BROWSER_PAGE_TIMEOUT = 90  # seconds from navigation to capture, behaviours included; past it the fetch fails
BROWSER_MEMORY_LIMIT_MB = 2048  # the browser's processes; past it the browser is restarted between pages
# Behaviours before capture, each bounded (0 turns a wait off).
BROWSER_NETWORK_IDLE_TIMEOUT = 10  # wait up to this long for no request in flight (0.5 s)
BROWSER_SCROLL_TIMEOUT = 10  # scroll to the end for lazy images and appended content, up to this long
BROWSER_CLOSE_BANNERS = True  # remove cookie/consent overlays from the rendered copy (never from the archive)
BROWSER_SCREENSHOT = True  # a PNG of each page as a urn:screenshot: resource record

EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    # Start-up's objects frozen out of the garbage collector, young ones collected less often.
    "crawler.extensions.collector.GarbageCollectorTuning": -30,
    # It pickles spider.state into JOBDIR; nothing here uses spider.state, and no state is a pickle.
    "scrapy.extensions.spiderstate.SpiderState": None,
    # Write failures and low disk space stop the crawl cleanly (exit code 1, resumable).
    "crawler.extensions.storage.StorageGuard": -20,
    # Opened once, used by incremental requests, WARC dedup and the spider.
    "crawler.extensions.jobstate.JobStateExtension": -10,
    # Per-host politeness (in Redis for a fleet), used by the schedulers, the politeness middleware,
    # AutoThrottle and Crawl-delay.
    "crawler.extensions.politeness.HostPoliteness": -5,
    # AutoThrottle learning one delay per host:port, shared by a fleet's workers.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.throttle.SharedAutoThrottle": 0,
    "crawler.extensions.progress.Progress": 0,
    "crawler.extensions.completion.RequestCompletion": 100,
    # A site's robots.txt Crawl-delay, a floor under AutoThrottle's delay for its host.
    "crawler.extensions.crawldelay.RobotsCrawlDelay": 500,
    # WARC metadata records for article pages, then the CDXJ index once the WARCs are closed (and with
    # WACZ_ENABLED the package, crawler.extensions.wacz at 620, added by the spider: it imports py-wacz).
    "crawler.extensions.warc_metadata.WarcMetadataExtension": 600,
    "crawler.extensions.warc_index.WarcIndexExtension": 610,
    # OUTPUT/JOB/changes.xml: an Atom feed of the articles whose content changed.
    "crawler.extensions.changefeed.ChangeFeedExtension": 700,
}

ITEM_PIPELINES = {
    "crawler.pipelines.datewindow.DateWindowPipeline": 100,
    "crawler.pipelines.dedupe.RecordDedupePipeline": 200,
    # Before the record limit, so an unchanged article does not count against it.
    "crawler.pipelines.versions.VersionsPipeline": 250,
    "crawler.pipelines.limits.RecordLimitPipeline": 300,
}

# Young objects between two collections of the youngest generation while the engine runs (Python's
# default is 700: ~10% of the crawl process's CPU went to the collector); 0 leaves the collector alone.
GC_GEN0_THRESHOLD = 50_000
# Scrapy's in-memory stats without the deprecation hook it runs on every attribute read (2% of the crawl process).
STATS_CLASS = "crawler.statscollectors.StatsCollector"

# A dropped record is one line with its URL and why (Scrapy's prints the whole record).
LOG_FORMATTER = "crawler.logformatter.LogFormatter"
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 60.0  # seconds between progress lines in the log
PROGRESS_BAR = False  # a live progress line on a terminal (the crawl command turns it on)
