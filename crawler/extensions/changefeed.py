"""After each run: OUTPUT/JOB/changes.xml, an Atom feed of the articles whose content changed."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.jobs.paths import job_output_dir
from crawler.report.changes import write_feed

logger = logging.getLogger(__name__)


class ChangeFeedExtension:
    """Rewrites the feed from the job's records once the engine has stopped (all records are on disk)."""

    def __init__(self, output_dir: Path, job: str):
        self.output_dir = output_dir
        self.job = job

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("CHANGE_FEED_ENABLED") or not settings.getbool("INCREMENTAL_ENABLED"):
            raise NotConfigured
        extension = cls(job_output_dir(settings), settings.get("JOB_NAME") or "crawl")
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        if not self.output_dir.is_dir():
            return
        try:
            write_feed(self.output_dir, self.job)
        except (OSError, ValueError):  # the feed is rebuilt by the next run; never fail the crawl over it
            logger.exception("Could not write %s/changes.xml", self.output_dir)
