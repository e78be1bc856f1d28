"""Exact record limit, unlike CLOSESPIDER_ITEMCOUNT, which lets items already under way through."""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy.exceptions import DropItem, NotConfigured

from crawler.downloadermiddlewares.limits import close_spider

logger = logging.getLogger(__name__)


class RecordLimitPipeline:
    """At most LIMIT_RECORDS records per run; the spider closes when the last one is written."""

    def __init__(self, max_records: int, stats, close_spider: Callable[[str], object]):
        self.max_records = max_records
        self.stats = stats
        self.close_spider = close_spider
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler):
        max_records = crawler.settings.getint("LIMIT_RECORDS")
        if not max_records:
            raise NotConfigured
        return cls(max_records, crawler.stats, lambda reason: close_spider(crawler, reason))

    def process_item(self, item, spider=None):
        if self.count >= self.max_records:
            self.stats.inc_value("limits/records_dropped")
            raise DropItem("record limit reached", log_level="INFO")
        self.count += 1
        if self.count == self.max_records:
            logger.info("Record limit of %d reached; finishing the pages under way", self.max_records)
            self.close_spider("limit_records")
        return item
