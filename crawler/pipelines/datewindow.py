"""Keep only articles published inside the job's date window (DATE_SINCE, DATE_UNTIL)."""

from __future__ import annotations

from scrapy.exceptions import DropItem, NotConfigured

from crawler.discovery.datewindow import DateWindow


class DateWindowPipeline:
    def __init__(self, window: DateWindow, stats):
        self.window = window
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        window = DateWindow.from_settings(crawler.settings)
        if not window:
            raise NotConfigured
        return cls(window, crawler.stats)

    def process_item(self, item, spider=None):
        if item.get("published") and not self.window.contains(item["published"]):
            self.stats.inc_value("datewindow/records_dropped")
            raise DropItem(f"published {item['published']} is outside the date window", log_level="INFO")
        return item
