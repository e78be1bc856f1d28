"""A test extension that blocks a crawl's event loop once (time.sleep in a signal handler), as a long
fsync, a huge parse or a machine under load would: STALL_AFTER responses, for STALL_SECONDS."""

from __future__ import annotations

import time

from scrapy import signals
from scrapy.exceptions import NotConfigured


class Stall:
    def __init__(self, after: int, seconds: float):
        self.after, self.seconds, self.seen = after, seconds, 0

    @classmethod
    def from_crawler(cls, crawler):
        after = crawler.settings.getint("STALL_AFTER")
        if not after:
            raise NotConfigured
        extension = cls(after, crawler.settings.getfloat("STALL_SECONDS", 5.0))
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, response, request, spider):
        self.seen += 1
        if self.seen == self.after:
            time.sleep(self.seconds)
