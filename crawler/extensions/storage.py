"""Stop the crawl cleanly when its output cannot be written: a failed write, or a disk about to be full.

Any component whose write fails (records, WARC files, the frontier, the job state) sends
`write_failed`; the first one stops the crawl with finish reason "write_failed", one log line
saying what could not be written and why, and exit code 1. RequestCompletion commits nothing
after it, so the run resumes (JOBDIR) or runs again without losing a page.

Before the crawl and every DISK_CHECK_INTERVAL seconds, the free space of the output folder (and
JOBDIR) is compared with OUTPUT_MIN_FREE_SPACE; below it the crawl stops with "disk_space_low"
before anything fails.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.downloadermiddlewares.limits import close_spider
from crawler.jobs.disk import low_space
from crawler.jobs.paths import job_output_dir
from crawler.signals import write_failed

logger = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    """An error as one line: "No space left on device" rather than a traceback."""
    if isinstance(error, OSError) and error.strerror:
        return f"[Errno {error.errno}] {error.strerror}"
    return f"{type(error).__name__}: {error}".splitlines()[0]


class StorageGuard:
    def __init__(self, crawler, paths: list[Path], floor: int, interval: float):
        self.crawler = crawler
        self.paths = paths  # folders whose file systems are watched
        self.floor = floor  # bytes; 0: no free-space check
        self.interval = interval
        self.stopping: str | None = None  # the reason given, once
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        paths = [job_output_dir(settings)]
        if settings.get("JOBDIR"):
            paths.append(Path(settings.get("JOBDIR")))
        guard = cls(
            crawler,
            paths,
            settings.getint("OUTPUT_MIN_FREE_SPACE"),
            settings.getfloat("DISK_CHECK_INTERVAL", 1.0),
        )
        crawler.signals.connect(guard.write_failed, signal=write_failed)
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def write_failed(self, what, error) -> None:
        stats = self.crawler.stats
        stats.inc_value("storage/write_failures")
        if stats.get_value("storage/write_failed"):
            return
        message = f"cannot write {what}: {describe(error)}"
        stats.set_value("storage/write_failed", message)
        self._stop("write_failed", message)

    def spider_opened(self, spider):
        if self.floor:
            self.check()
            self.task = create_looping_call(self.check)
            self.task.start(self.interval, now=False)

    def check(self) -> None:
        if self.stopping:
            return
        try:
            reason = low_space(self.paths, self.floor)
        except OSError as exc:  # the folder went away or cannot be read
            reason = f"cannot check free space: {describe(exc)}"
        if reason:
            self.crawler.stats.set_value("storage/low_space", reason)
            self._stop("disk_space_low", reason)

    def _stop(self, reason: str, message: str) -> None:
        if self.stopping:
            return
        self.stopping = reason
        logger.error("Stopping the crawl: %s; what was written is intact, and the next run resumes", message)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            close_spider(self.crawler, reason)

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
