"""At the end of a crawl: the CDXJ index of the job's WARCs and, if asked, a WACZ package."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from crawler.archive.index import write_cdxj
from crawler.archive.package import WaczError, write_wacz
from crawler.downloadermiddlewares.warc import warc_files_closed
from crawler.job import job_output_dir

logger = logging.getLogger(__name__)


class WarcIndexExtension:
    """Rebuilds OUTPUT_DIR/index.cdxj (WARC_CDXJ_ENABLED) and OUTPUT_DIR/JOB.wacz (WACZ_ENABLED).

    Both cover every WARC file in the job's folder, earlier runs' included.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.cdxj = settings.getbool("WARC_CDXJ_ENABLED")
        self.wacz = settings.getbool("WACZ_ENABLED")
        if not settings.getbool("WARC_ENABLED") or not (self.cdxj or self.wacz):
            raise NotConfigured
        self.settings = settings
        self.stats = crawler.stats
        crawler.signals.connect(self.warc_files_closed, signal=warc_files_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def warc_files_closed(self, warc_files):
        output_dir = job_output_dir(self.settings)
        if not list(output_dir.glob("*.warc*")):
            return
        if self.cdxj:
            try:
                self.stats.set_value("warc/cdxj", str(write_cdxj(output_dir)))
            except Exception:  # an index can always be rebuilt with `crawler index`; never lose the crawl over it
                logger.exception("Could not write the CDXJ index of %s (run `crawler index %s`)", output_dir, output_dir)
        if self.wacz:
            name = self.settings.get("JOB_NAME") or "crawl"
            try:
                path = write_wacz(
                    output_dir, output_dir / f"{name}.wacz",
                    title=self.settings.get("WACZ_TITLE") or name,
                    description=self.settings.get("JOB_DESCRIPTION") or "",
                )
                self.stats.set_value("warc/wacz", str(path))
            except (WaczError, OSError):
                logger.exception("Could not write the WACZ package of %s (run `crawler wacz %s`)", output_dir, output_dir)
