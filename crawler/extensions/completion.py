"""Send `request_done` when the engine is completely finished with a scheduled request, and its output is on disk.

Finished means: downloaded (or failed), parsed, items exported, or replaced by a redirect or retry
request. Components that must not commit anything before a page's records are written (the
frontier, incremental captures) listen to this signal; handlers run in the order they were
connected.

On disk means: every CHECKPOINT_INTERVAL seconds (and when the last request is finished) the
`checkpoint` signal makes records and WARC files durable (fsync), and only then is `request_done`
sent for the requests finished since the last checkpoint. A state committed is never ahead of the
files, not even after a power cut. After a write failure, only the requests finished before it
are committed (at the next checkpoint, if it can fsync); those finished after it are fetched again
by the next run.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call
from twisted.python.failure import Failure

from crawler import compat
from crawler.signals import checkpoint, request_done, write_failed

logger = logging.getLogger(__name__)


class RequestCompletion:
    def __init__(self, crawler, interval: float = 2.0):
        self.crawler = crawler
        self.interval = interval
        self.pending: list = []  # finished since the last checkpoint
        self.failed = False
        self.before_failure: list = []  # finished before a write failure: their output was written
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, crawler.settings.getfloat("CHECKPOINT_INTERVAL", 2.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.write_failed, signal=write_failed)
        return extension

    def spider_opened(self, spider):
        engine = self.crawler.engine
        compat.on_request_finished(engine, self.finished)
        # The last checkpoint: once every request is finished, before the scheduler closes.
        compat.on_requests_drained(engine, self.drained)
        self.task = create_looping_call(self.checkpoint)
        self.task.start(self.interval, now=False)

    def finished(self, request) -> None:
        if not self.failed:
            self.pending.append(request)

    def write_failed(self, what, error) -> None:
        if not self.failed:
            self.failed = True
            self.before_failure, self.pending = self.pending, []

    def checkpoint(self) -> None:
        if self.failed:
            batch, self.before_failure = self.before_failure, []
        else:
            batch, self.pending = self.pending, []
        if not batch:
            return
        send = self.crawler.signals.send_catch_log
        for _receiver, result in send(signal=checkpoint):
            if isinstance(result, Failure):
                send(signal=write_failed, what="a checkpoint (fsync)", error=result.value)
                return
        for request in batch:
            send(signal=request_done, request=request)

    def drained(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.checkpoint()
