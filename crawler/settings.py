"""Scrapy settings of the project; a job file and CLI flags override them."""

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Output: OUTPUT_ROOT/JOB_NAME/ holds records.jsonl and the WARC files.
# JOB_NAME defaults to the first start URL's host (see ArticleSpider).
OUTPUT_ROOT = "output"
JOB_NAME = None
FEEDS = {
    "%(output_dir)s/records.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "store_empty": True,
    },
}

# Politeness.
USER_AGENT = "crawler/0.1 (+https://github.com/crawler-archive/crawler)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
RETRY_TIMES = 2

# Both listen on a local port and run code sent to it: off unless a job asks.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Exact-host scope instead of Scrapy's domain-and-subdomains rule.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.downloadermiddlewares.scope.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.downloadermiddlewares.cookies.OfflineCookiesMiddleware": 700,
    # Closest to the downloader: sees every response before decompression,
    # redirect handling or retries, and after the HTTP cache (cache hits are skipped).
    "crawler.downloadermiddlewares.warc.WarcCaptureMiddleware": 950,
}

WARC_ENABLED = True
WARC_PREFIX = None  # file name prefix; defaults to JOB_NAME
WARC_MAX_SIZE = 1024**3  # roll over to a new file past this size
WARC_GZIP = True
WARC_VERSION = "1.1"

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 30.0
