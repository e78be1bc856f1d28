"""Send `request_done` when the engine is completely finished with a scheduled request.

That is: downloaded (or failed), parsed, items exported, or replaced by a redirect or retry
request. Components that must not commit anything before a page's records are written (the
frontier, incremental captures) listen to this signal; handlers run in the order they were
connected.
"""

from __future__ import annotations

from scrapy import signals

from crawler import compat
from crawler.signals import request_done


class RequestCompletion:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self, spider):
        send = self.crawler.signals.send_catch_log
        compat.on_request_finished(self.crawler.engine, lambda request: send(signal=request_done, request=request))
