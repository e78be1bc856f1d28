"""At the end of a crawl: the CDXJ index of the job's WARCs (and, in a WACZ crawl, the package, by crawler.extensions.wacz).

The lines of this run's records were made as the WARC writer wrote them (archive.index.RunIndex);
only the folder's other files (earlier runs', repaired ones) are read again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import NotConfigured

from crawler.archive.index import RunIndex, write_cdxj
from crawler.jobs.paths import job_output_dir
from crawler.signals import warc_files_closed

logger = logging.getLogger(__name__)

# Named in EXTENSIONS only when WACZ_ENABLED asks for it (enable_wacz()): it imports py-wacz, which a
# plain crawl has no use for.
WACZ_EXTENSION = "crawler.extensions.wacz.WaczExtension"
WACZ_EXTENSION_PRIORITY = 620  # after the CDXJ index (610)


def enable_wacz(settings) -> None:
    """Add the WACZ package at the end of a crawl when WACZ_ENABLED asks for it; call while settings are open."""
    if not (settings.getbool("WACZ_ENABLED") and settings.getbool("WARC_ENABLED")):
        return
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions.setdefault(WACZ_EXTENSION, WACZ_EXTENSION_PRIORITY)
    settings.set("EXTENSIONS", extensions, priority="spider")


class WarcIndexExtension:
    """Rebuilds OUTPUT_DIR/index.cdxj (WARC_CDXJ_ENABLED) of every WARC file in the job's folder,
    earlier runs' included."""

    def __init__(self, output_dir: Path, stats):
        self.output_dir = output_dir
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not (settings.getbool("WARC_ENABLED") and settings.getbool("WARC_CDXJ_ENABLED")):
            raise NotConfigured
        extension = cls(job_output_dir(settings), crawler.stats)
        crawler.signals.connect(extension.warc_files_closed, signal=warc_files_closed)
        return extension

    def warc_files_closed(self, warc_files, index: RunIndex | None = None):
        """index: the lines made of this run's records as they were written; only other files are read."""
        output_dir = self.output_dir
        if not list(output_dir.glob("*.warc*")):
            return
        try:
            self.stats.set_value("warc/cdxj", str(write_cdxj(output_dir, written=index)))
        except Exception:  # an index can always be rebuilt with `crawler index`; never lose the crawl over it
            logger.exception("Could not write the CDXJ index of %s (run `crawler index %s`)", output_dir, output_dir)
