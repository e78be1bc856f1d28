"""Send `request_done` when the engine is completely finished with a scheduled request.

Scrapy has no signal for that moment; the engine's slot removes the request from its
in-progress set exactly then, so we wrap that method once the spider is open. Components that
must not commit anything before a page's records are written (the frontier, incremental
captures) listen to this signal. Handlers run in the order they were connected.
"""

from __future__ import annotations

from scrapy import signals

from crawler.signals import request_done


class RequestCompletion:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        slot = self.crawler.engine._slot
        remove_request = slot.remove_request
        send = self.crawler.signals.send_catch_log

        def remove_and_signal(request):
            send(signal=request_done, request=request)
            remove_request(request)

        slot.remove_request = remove_and_signal
