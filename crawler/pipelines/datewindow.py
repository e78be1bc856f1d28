"""Keep only articles published inside the job's date window (DATE_SINCE, DATE_UNTIL)."""

from __future__ import annotations

from scrapy.exceptions import DropItem, NotConfigured

from crawler.datewindow import DateWindow


class DateWindowPipeline:
    def __init__(self, crawler):
        self.window = DateWindow.from_settings(crawler.settings)
        if not self.window:
            raise NotConfigured
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if item.get("published") and not self.window.contains(item["published"]):
            self.stats.inc_value("datewindow/records_dropped")
            raise DropItem(f"published {item['published']} is outside the date window")
        return item
