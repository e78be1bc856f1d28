"""At the end of a WACZ crawl (WACZ_ENABLED): OUTPUT_DIR/JOB.wacz, a package ReplayWeb.page opens.

Not in the project's EXTENSIONS: crawler.extensions.warc_index.enable_wacz() adds it when a crawl
asks for a WACZ, so a plain crawl never imports py-wacz.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import NotConfigured

from crawler.archive.package import WaczError
from crawler.jobs.pages import write_job_wacz
from crawler.jobs.paths import job_output_dir
from crawler.signals import warc_files_closed

logger = logging.getLogger(__name__)


class WaczExtension:
    """Writes OUTPUT_DIR/NAME.wacz of every WARC file in the job's folder, earlier runs' included."""

    def __init__(self, output_dir: Path, stats, name: str, title: str = "", description: str = ""):
        self.output_dir = output_dir
        self.stats = stats
        self.name = name
        self.title = title
        self.description = description

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not (settings.getbool("WARC_ENABLED") and settings.getbool("WACZ_ENABLED")):
            raise NotConfigured
        name = settings.get("JOB_NAME") or "crawl"
        extension = cls(
            job_output_dir(settings),
            crawler.stats,
            name,
            settings.get("WACZ_TITLE") or name,
            settings.get("JOB_DESCRIPTION") or "",
        )
        crawler.signals.connect(extension.warc_files_closed, signal=warc_files_closed)
        return extension

    def warc_files_closed(self, warc_files):
        output_dir = self.output_dir
        if not list(output_dir.glob("*.warc*")):
            return
        try:
            path = write_job_wacz(
                output_dir, output_dir / f"{self.name}.wacz", title=self.title, description=self.description
            )
            self.stats.set_value("warc/wacz", str(path))
        except (WaczError, OSError):
            logger.exception("Could not write the WACZ package of %s (run `crawler wacz %s`)", output_dir, output_dir)
