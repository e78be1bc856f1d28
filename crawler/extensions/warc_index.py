"""At the end of a crawl: the CDXJ index of the job's WARCs and, if asked, a WACZ package."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import NotConfigured

from crawler.archive.index import write_cdxj
from crawler.archive.package import WaczError
from crawler.jobs.pages import write_job_wacz
from crawler.jobs.paths import job_output_dir
from crawler.signals import warc_files_closed

logger = logging.getLogger(__name__)


class WarcIndexExtension:
    """Rebuilds OUTPUT_DIR/index.cdxj (WARC_CDXJ_ENABLED) and OUTPUT_DIR/JOB.wacz (WACZ_ENABLED).

    Both cover every WARC file in the job's folder, earlier runs' included.
    """

    def __init__(
        self, output_dir: Path, stats, cdxj: bool, wacz_name: str | None, title: str = "", description: str = ""
    ):
        self.output_dir = output_dir
        self.stats = stats
        self.cdxj = cdxj
        self.wacz_name = wacz_name  # OUTPUT_DIR/NAME.wacz; None: no WACZ
        self.title = title
        self.description = description

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        cdxj, wacz = settings.getbool("WARC_CDXJ_ENABLED"), settings.getbool("WACZ_ENABLED")
        if not settings.getbool("WARC_ENABLED") or not (cdxj or wacz):
            raise NotConfigured
        name = settings.get("JOB_NAME") or "crawl"
        extension = cls(
            job_output_dir(settings),
            crawler.stats,
            cdxj,
            name if wacz else None,
            settings.get("WACZ_TITLE") or name,
            settings.get("JOB_DESCRIPTION") or "",
        )
        crawler.signals.connect(extension.warc_files_closed, signal=warc_files_closed)
        return extension

    def warc_files_closed(self, warc_files):
        output_dir = self.output_dir
        if not list(output_dir.glob("*.warc*")):
            return
        if self.cdxj:
            try:
                self.stats.set_value("warc/cdxj", str(write_cdxj(output_dir)))
            except Exception:  # an index can always be rebuilt with `crawler index`; never lose the crawl over it
                logger.exception(
                    "Could not write the CDXJ index of %s (run `crawler index %s`)", output_dir, output_dir
                )
        if self.wacz_name:
            try:
                path = write_job_wacz(
                    output_dir, output_dir / f"{self.wacz_name}.wacz", title=self.title, description=self.description
                )
                self.stats.set_value("warc/wacz", str(path))
            except (WaczError, OSError):
                logger.exception(
                    "Could not write the WACZ package of %s (run `crawler wacz %s`)", output_dir, output_dir
                )
