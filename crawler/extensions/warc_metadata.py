"""A WARC metadata record per article page: its outlinks and the id of the record extracted from it."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.downloadermiddlewares.warc import WarcCaptureMiddleware


class WarcMetadataExtension:
    """On item_scraped, write a metadata record WARC-Concurrent-To the page's response (or revisit) record."""

    def __init__(self, crawler):
        self.crawler = crawler  # its WarcCaptureMiddleware writes the records (it exists once the engine does)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("WARC_ENABLED") or not crawler.settings.getbool("WARC_METADATA_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item, response, spider):
        capture = self.crawler.get_downloader_middleware(WarcCaptureMiddleware)
        concurrent_to = response.meta.get("warc_record_id")
        if capture is None or not concurrent_to:
            return
        fields = [("outlink", url) for url in response.meta.get("outlinks") or []]
        if item.get("id"):
            fields.append(("extracted-record-id", item["id"]))
        capture.write_metadata(response.url, concurrent_to, fields, date=response.meta.get("warc_date"))
