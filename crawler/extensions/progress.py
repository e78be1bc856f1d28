"""Progress while a crawl runs: a live line on a terminal, a periodic log line otherwise.

Replaces Scrapy's LogStats, adding the queue and failures to pages and records.
"""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, stats, tty: bool, interval: float):
        self.stats = stats
        self.tty = tty  # a live line on stderr, redrawn every second; else a log line every interval
        self.interval = 1.0 if tty else interval
        self.task = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        tty = settings.getbool("PROGRESS_BAR") and sys.stderr.isatty()
        extension = cls(crawler.stats, tty, settings.getfloat("LOGSTATS_INTERVAL", 60.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        self.started = time.monotonic()
        self.task = create_looping_call(self.report)
        self.task.start(self.interval, now=False)

    def line(self) -> str:
        get = self.stats.get_value
        pages = get("downloader/response_count", 0)
        rate = pages / max(1e-6, time.monotonic() - self.started)
        queued = get("scheduler/enqueued", 0) - get("scheduler/dequeued", 0)
        failed = get("fetch/failed", 0) + get("fetch/server_error", 0)
        return f"pages {pages} ({rate:.1f}/s)  records {get('item_scraped_count', 0)}  queued {queued}  failed {failed}"

    def report(self):
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + self.line())
            sys.stderr.flush()
        else:
            logger.info("Progress: %s", self.line())

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.tty:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
