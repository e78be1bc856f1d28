"""Exact record limit, unlike CLOSESPIDER_ITEMCOUNT, which lets items already under way through."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)


class RecordLimitPipeline:
    """At most LIMIT_RECORDS records per run; the spider closes when the last one is written."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_records = crawler.settings.getint("LIMIT_RECORDS")
        if not self.max_records:
            raise NotConfigured
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if self.count >= self.max_records:
            self.crawler.stats.inc_value("limits/records_dropped")
            raise DropItem("record limit reached")
        self.count += 1
        if self.count == self.max_records:
            logger.info("Record limit of %d reached; finishing the pages under way", self.max_records)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="limit_records"))
        return item
