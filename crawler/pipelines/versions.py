"""Article versions: a record only when the page's content changed, pointing at the version it replaces."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.extensions.jobstate import job_state
from crawler.jobs.records import record_key
from crawler.jobs.versions import Version, VersionIndex, link


class VersionsPipeline:
    """Links each record to the page's latest version (`previous`), and drops one whose content is unchanged.

    Counts articles/new, articles/changed and articles/unchanged. The latest version is committed
    on item_scraped, after the feed exporter has written the record, so a crash never leaves a
    version in the job state whose record was lost. Without incremental runs every record is new.
    A failed extraction's record (extraction_error) passes through, no version of anything.
    """

    def __init__(self, index: VersionIndex | None, stats):
        self.index = index
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        index = job_state(crawler) if crawler.settings.getbool("INCREMENTAL_ENABLED") else None
        pipeline = cls(index, crawler.stats)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def process_item(self, item, spider=None):
        if "extraction_error" in item:  # no content to compare: neither a version nor an article
            return item
        latest = self.index.version(record_key(item)) if self.index is not None else None
        linked = link(item, latest)
        if linked is None:
            self.stats.inc_value("articles/unchanged")
            raise DropItem(f"content unchanged since {latest.fetched_at}: {item['url']}", log_level="DEBUG")
        self.stats.inc_value("articles/new" if latest is None else "articles/changed")
        return linked

    def item_scraped(self, item, response, spider):
        if self.index is not None and "extraction_error" not in item:
            self.index.put_version(record_key(item), Version.of(item))
